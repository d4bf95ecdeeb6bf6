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
import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from './errors';

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

/** OSS refuses requests whose time is further than this from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Access keys the emulator accepts. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** What the signature covers, taken from the incoming request. */
export interface SignedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  bucket?: string;
  /** Decoded object key. */
  key?: string;
  query: URLSearchParams;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

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

/**
 * Throws the OssError OSS would answer with unless the request carries a valid V1
 * signature by `credentials` made within 15 minutes of `now` (or a presigned URL that
 * has not expired).
 */
export function checkSignature(request: SignedRequest, credentials: Credentials, now = Date.now()): void {
  const authorization = header(request.headers, 'authorization');
  let accessKeyId: string;
  let provided: string;
  let candidates: string[];
  if (authorization !== undefined) {
    if (authorization.startsWith('OSS4-HMAC-SHA256')) {
      throw accessDenied('The local OSS emulator checks V1 signatures only; configure the client without authorizationV4.');
    }
    const match = /^OSS ([^:]+):(.+)$/.exec(authorization.trim());
    if (!match) throw accessDenied('Authorization header is invalid.');
    accessKeyId = match[1]!;
    provided = match[2]!;
    // ali-oss puts x-oss-date in the Date slot and sends no Date header; other SDKs send
    // Date. Accept a signature over either, as both reach OSS in the wild.
    candidates = [header(request.headers, 'x-oss-date'), header(request.headers, 'date')].filter(
      (d): d is string => d !== undefined && d !== '',
    );
    if (candidates.length === 0) throw accessDenied('OSS authentication requires a valid Date.');
    const time = Date.parse(candidates[0]!);
    if (Number.isNaN(time)) throw accessDenied('OSS authentication requires a valid Date.');
    if (Math.abs(time - now) > MAX_CLOCK_SKEW_MS) {
      throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', undefined, {
        RequestTime: candidates[0]!,
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
      });
    }
  } else if (request.query.has('OSSAccessKeyId') && request.query.has('Signature')) {
    accessKeyId = request.query.get('OSSAccessKeyId')!;
    provided = request.query.get('Signature')!;
    const expires = request.query.get('Expires') ?? '';
    if (!/^\d+$/.test(expires)) throw accessDenied('Expires is invalid.');
    if (Number(expires) * 1000 < now) throw accessDenied('Request has expired.');
    candidates = [expires];
  } else {
    throw accessDenied('You have no right to access this object because of bucket acl.');
  }
  if (accessKeyId !== credentials.accessKeyId) {
    throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', undefined, {
      OSSAccessKeyId: accessKeyId,
    });
  }
  const texts = candidates.map((date) => stringToSign(request, date));
  if (texts.some((text) => sameText(sign(credentials.accessKeySecret, text), provided))) return;
  throw new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    '0002-00000040',
    { StringToSign: texts[0]!, OSSAccessKeyId: accessKeyId, SignatureProvided: provided },
  );
}
