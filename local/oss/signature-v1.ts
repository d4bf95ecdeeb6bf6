/**
 * Checking OSS V1 request signatures (`Authorization: OSS <id>:<signature>`, and the
 * presigned-URL form `?OSSAccessKeyId=…&Expires=…&Signature=…`), the way OSS and
 * ali-oss (lib/common/signUtils.js buildCanonicalString) compute them:
 *
 *   base64(hmac-sha1(secret, VERB \n Content-MD5 \n Content-Type \n Date \n
 *                    CanonicalizedOSSHeaders + CanonicalizedResource))
 *
 * CanonicalizedResource is `/bucket/key` with the key decoded, plus the signed
 * sub-resources of the query, sorted, `name=value` (decoded) or `name` when empty.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKeys } from './access-keys';
import { OssError } from './errors';
import { headerText } from '../serve';
import type { SignedRequest } from './signed-request';
import { MAX_CLOCK_SKEW_MS, requestTimeTooSkewed, signatureDoesNotMatch } from './signature-errors';

/**
 * Query parameters that are part of the signed resource: OSS's documented list (as the
 * official SDKs carry it, e.g. aliyun-oss-python-sdk auth.py), plus the newer ones
 * ali-oss signs (continuation-token for ListObjectsV2, versionId, …).
 */
export const SIGNED_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName',
  'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live',
  'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type',
  'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc', 'udfApplication',
  'udfApplicationLog', 'restore', 'callback', 'callback-var', 'versions', 'versioning', 'versionId',
  'policy', 'requestPayment', 'encryption', 'stat', 'tags', 'worm', 'wormId', 'wormExtend', 'inventory',
  'inventoryId', 'continuation-token', 'asyncFetch', 'sequential', 'x-oss-traffic-limit', 'objectInfo',
  'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id', 'x-oss-ac-forward-allow',
]);

const header = headerText;

/**
 * The CanonicalizedResource of a request.
 *
 * @example canonicalResource('b', 'a b.txt', new URLSearchParams('uploadId=U&partNumber=1&x=1'))
 * // => '/b/a b.txt?partNumber=1&uploadId=U'
 */
export function canonicalResource(bucket: string | undefined, key: string | undefined, query: URLSearchParams): string {
  let resource = '/';
  if (bucket) resource += `${bucket}/`;
  if (key) resource += key;
  const names = [...new Set([...query.keys()].filter((name) => SIGNED_SUB_RESOURCES.has(name)))].sort();
  if (names.length > 0) {
    resource += '?' + names.map((name) => (query.get(name) ? `${name}=${query.get(name)}` : name)).join('&');
  }
  return resource;
}

/** The V1 string to sign, with `date` in the Date slot (Date header, x-oss-date or Expires). */
export function stringToSign(request: SignedRequest, date: string): string {
  const ossHeaders = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${(header(request.headers, name) ?? '').trim()}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    header(request.headers, 'content-md5') ?? '',
    header(request.headers, 'content-type') ?? '',
    date,
    ossHeaders + canonicalResource(request.bucket, request.key, request.query),
  ].join('\n');
}

function sign(secret: string, text: string): string {
  return createHmac('sha1', secret).update(Buffer.from(text, 'utf8')).digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const accessDenied = (message: string): OssError => new OssError(403, 'AccessDenied', message);

/** The V1 signature in an `Authorization: OSS <id>:<signature>` header, and the dates it may cover. */
function fromHeader(request: SignedRequest, authorization: string, now: number): { accessKeyId: string; provided: string; dates: string[] } {
  const match = /^OSS ([^:]+):(.+)$/.exec(authorization.trim());
  if (!match) throw accessDenied('Authorization header is invalid.');
  // ali-oss puts x-oss-date in the Date slot and sends no Date header; other SDKs send
  // Date. Accept a signature over either, as both reach OSS in the wild.
  const dates = [header(request.headers, 'x-oss-date'), header(request.headers, 'date')].filter((d): d is string => d !== undefined && d !== '');
  if (dates.length === 0) throw accessDenied('OSS authentication requires a valid Date.');
  const time = Date.parse(dates[0]!);
  if (Number.isNaN(time)) throw accessDenied('OSS authentication requires a valid Date.');
  if (Math.abs(time - now) > MAX_CLOCK_SKEW_MS) throw requestTimeTooSkewed(dates[0]!, now);
  return { accessKeyId: match[1]!, provided: match[2]!, dates };
}

/** The V1 signature of a presigned URL (`OSSAccessKeyId`, `Expires`, `Signature`). */
function fromQuery(request: SignedRequest, now: number): { accessKeyId: string; provided: string; dates: string[] } {
  const expires = request.query.get('Expires') ?? '';
  if (!/^\d+$/.test(expires)) throw accessDenied('Expires is invalid.');
  if (Number(expires) * 1000 < now) throw accessDenied('Request has expired.');
  return { accessKeyId: request.query.get('OSSAccessKeyId') ?? '', provided: request.query.get('Signature') ?? '', dates: [expires] };
}

/**
 * Throws the OssError OSS would answer with unless the request carries a valid V1
 * signature made within 15 minutes of `now` (or a presigned URL that has not expired),
 * by one of `keys` (with its STS token, sent as x-oss-security-token or, in a presigned
 * URL, as the `security-token` parameter).
 */
export function verifyV1(request: SignedRequest, keys: AccessKeys, now: number): void {
  const authorization = header(request.headers, 'authorization');
  const { accessKeyId, provided, dates } = authorization !== undefined ? fromHeader(request, authorization, now) : fromQuery(request, now);
  const token = header(request.headers, 'x-oss-security-token') ?? request.query.get('security-token') ?? undefined;
  const secret = keys.secretFor(accessKeyId, token);
  const texts = dates.map((date) => stringToSign(request, date));
  if (texts.some((text) => sameText(sign(secret, text), provided))) return;
  throw signatureDoesNotMatch(texts[0]!, accessKeyId, provided);
}
