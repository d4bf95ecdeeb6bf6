/**
 * Checking OSS V4 header signatures (`Authorization: OSS4-HMAC-SHA256 Credential=…,
 * AdditionalHeaders=…, Signature=…`), as OSS computes them.
 *
 * Sources: OSS's "Include a V4 signature in the header (recommended)" page
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4,
 * read 2026-12-02) for the header's shape; the SDKs it points to for the algorithm —
 * ali-oss 6.23.0 lib/common/signUtils.js (getCanonicalRequest, getStringToSign,
 * getSignatureV4), the Swift SDK's Sources/OSS/Signer/SignerV4.swift and the Go SDK v2's
 * oss/signer/v4.go — and the three vectors in test/conformance/oss-v4/, which pin it:
 *
 *   CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *                      AdditionalHeaders \n HashedPayload
 *   StringToSign     = "OSS4-HMAC-SHA256" \n x-oss-date \n <date>/<region>/oss/aliyun_v4_request \n
 *                      hex(sha256(CanonicalRequest))
 *   SigningKey       = HMAC chain "aliyun_v4"+secret → date → region → "oss" → "aliyun_v4_request"
 *   Signature        = hex(hmac-sha256(SigningKey, StringToSign))
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKeys } from './access-keys';
import { headerText } from '../serve';
import type { SignedRequest } from './signed-request';
import {
  MAX_CLOCK_SKEW_MS,
  invalidContentSha256,
  invalidSigningRegion,
  malformedAuthorization,
  missingDate,
  requestTimeTooSkewed,
  signatureDoesNotMatch,
} from './signature-errors';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const TERMINATOR = 'aliyun_v4_request';
const PRODUCT = 'oss';
/** What the SDKs send in x-oss-content-sha256, and what OSS accepts there (EC 0002-00000214). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The parts of a V4 Authorization header. */
export interface V4Authorization {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  /** Standard region id, e.g. `cn-hangzhou` (no `oss-`). */
  region: string;
  /** `<AccessKeyId>/<date>/<region>/oss/aliyun_v4_request`, as sent. */
  credential: string;
  /** Lower-case, sorted, as listed in AdditionalHeaders (possibly none). */
  additionalHeaders: string[];
  signature: string;
}

/**
 * Parses an `OSS4-HMAC-SHA256 …` Authorization header; throws OSS's 400 InvalidArgument
 * for a malformed one. Fields are comma-separated, with or without a space after the
 * comma (ali-oss sends none; the docs show one).
 *
 * @example parseV4Authorization('OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d…')
 * // => { accessKeyId: 'ak', date: '20231216', region: 'cn-hangzhou', additionalHeaders: [], signature: 'e21d…', … }
 */
export function parseV4Authorization(value: string): V4Authorization {
  if (!value.startsWith(`${V4_ALGORITHM} `)) throw malformedAuthorization('Authorization header is invalid.');
  const fields = new Map<string, string>();
  for (const part of value.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw malformedAuthorization('Authorization header is invalid.');
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential') ?? '';
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[0] === '' || scope[2] === '' || scope[3] !== PRODUCT || scope[4] !== TERMINATOR) {
    throw malformedAuthorization('The Credential in the Authorization header is invalid.', '0002-00000213');
  }
  const [accessKeyId, date, region] = scope as [string, string, string];
  if (!/^\d{8}$/.test(date)) throw malformedAuthorization('The signature date in the Authorization header is invalid.', '0002-00000212');
  const signature = fields.get('Signature') ?? '';
  if (signature === '') throw malformedAuthorization('The Signature in the Authorization header is empty.', '0002-00000208');
  const listed = fields.get('AdditionalHeaders');
  const additionalHeaders = listed === undefined ? [] : listed.split(';').map((name) => name.trim().toLowerCase());
  if (additionalHeaders.some((name) => name === '')) {
    throw malformedAuthorization('AdditionalHeaders in the Authorization header has an empty name.', '0002-00000210');
  }
  return { accessKeyId, date, region, credential, additionalHeaders: [...new Set(additionalHeaders)].sort(), signature };
}

/**
 * Percent-encodes as the SDKs do for V4: everything but A–Z a–z 0–9 - _ . ~ (ali-oss
 * lib/common/utils/encodeString.js: encodeURIComponent plus ! ' ( ) *).
 *
 * @example uriEncode('1234+-/1.txt') // => '1234%2B-%2F1.txt'
 */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `/<bucket>/<key>`, encoded but for '/', whatever the addressing style (the bucket is
 * in the path even when the request named it in Host).
 *
 * @example canonicalUri('bucket', '1234+-/123/1.txt') // => '/bucket/1234%2B-/123/1.txt'
 */
export function canonicalUri(bucket: string | undefined, key: string | undefined): string {
  return uriEncode(`/${bucket ? `${bucket}/` : ''}${key ?? ''}`).replace(/%2F/g, '/');
}

/**
 * Every query parameter, name and value decoded then re-encoded, sorted by encoded name;
 * a parameter with an empty value is its name alone, with no '=' (the vectors' remark:
 * the URL carries `%2Bparam2=`, the canonical query `%2Bparam2`; Go SDK v2 v4.go and
 * the Swift SDK write it the same way).
 *
 * @example canonicalQuery(new URLSearchParams('uploadId=U&partNumber=1&uploads=')) // => 'partNumber=1&uploadId=U&uploads'
 */
export function canonicalQuery(query: URLSearchParams): string {
  const pairs = [...query].map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => (value === '' ? name : `${name}=${value}`)).join('&');
}

/**
 * The signed headers: content-type, content-md5, every x-oss-* header and those named in
 * AdditionalHeaders, each `name:trimmed value\n`, sorted by name. A header named in
 * AdditionalHeaders but absent adds nothing (so the signature cannot match).
 */
export function canonicalHeaders(request: SignedRequest, additionalHeaders: readonly string[]): string {
  const extra = new Set(additionalHeaders);
  return Object.keys(request.headers)
    .filter((name) => name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-') || extra.has(name))
    .sort()
    .map((name) => `${name}:${(headerText(request.headers, name) ?? '').trim()}\n`)
    .join('');
}

/** The canonical request of `request`, signed with `additionalHeaders`. */
export function canonicalRequestV4(request: SignedRequest, additionalHeaders: readonly string[]): string {
  return [
    request.method.toUpperCase(),
    canonicalUri(request.bucket, request.key),
    canonicalQuery(request.query),
    canonicalHeaders(request, additionalHeaders),
    additionalHeaders.join(';'),
    headerText(request.headers, 'x-oss-content-sha256') ?? UNSIGNED_PAYLOAD,
  ].join('\n');
}

/**
 * The V4 string to sign. The canonical request is hashed as bytes: header values come
 * from Node as Latin-1 (one char per byte), so 'latin1' gives back the bytes on the wire.
 */
export function stringToSignV4(timestamp: string, date: string, region: string, canonicalRequest: string): string {
  const hash = createHash('sha256').update(Buffer.from(canonicalRequest, 'latin1')).digest('hex');
  return [V4_ALGORITHM, timestamp, `${date}/${region}/${PRODUCT}/${TERMINATOR}`, hash].join('\n');
}

/**
 * The hex signature of `stringToSign` for one day and region.
 *
 * @example signatureV4('sk', '20231216', 'cn-hangzhou', text) // => 64 hex characters
 */
export function signatureV4(secret: string, date: string, region: string, stringToSign: string): string {
  let key: Buffer = createHmac('sha256', `aliyun_v4${secret}`).update(date).digest();
  for (const part of [region, PRODUCT, TERMINATOR]) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Milliseconds since the epoch of an ISO 8601 basic timestamp (`20231216T162057Z`), or NaN. */
export function parseV4Timestamp(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 20231332 over into 2024; OSS would not.
  return new Date(ms).getUTCDate() === d && new Date(ms).getUTCMonth() === mo - 1 ? ms : Number.NaN;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where and when a V4 signature is checked. */
export interface V4Check {
  keys: AccessKeys;
  /** This endpoint's standard region id (`cn-hangzhou`). */
  region: string;
  /** The server clock, ms since the epoch. */
  now: number;
}

/**
 * Throws the OssError OSS answers unless `request` carries a valid V4 header signature:
 * a well-formed Authorization, an x-oss-date within 15 minutes of `now` whose day is the
 * scope's, the scope's region this endpoint's, UNSIGNED-PAYLOAD, a known key (with its
 * STS token, if any), and the right signature.
 */
export function verifyV4(request: SignedRequest, authorization: string, check: V4Check): void {
  const auth = parseV4Authorization(authorization);
  const timestamp = headerText(request.headers, 'x-oss-date');
  if (timestamp === undefined || timestamp === '') throw missingDate();
  const time = parseV4Timestamp(timestamp);
  if (Number.isNaN(time)) throw missingDate();
  if (Math.abs(time - check.now) > MAX_CLOCK_SKEW_MS) throw requestTimeTooSkewed(timestamp, check.now);
  if (timestamp.slice(0, 8) !== auth.date) {
    throw malformedAuthorization('The signature date in the Authorization header is not the date of x-oss-date.', '0002-00000212');
  }
  if (auth.region !== check.region) throw invalidSigningRegion(auth.credential);
  const payload = headerText(request.headers, 'x-oss-content-sha256');
  if (payload !== undefined && payload !== UNSIGNED_PAYLOAD) throw invalidContentSha256(payload);
  const secret = check.keys.secretFor(auth.accessKeyId, headerText(request.headers, 'x-oss-security-token'));
  const text = stringToSignV4(timestamp, auth.date, auth.region, canonicalRequestV4(request, auth.additionalHeaders));
  if (!sameText(signatureV4(secret, auth.date, auth.region, text), auth.signature)) {
    throw signatureDoesNotMatch(text, auth.accessKeyId, auth.signature);
  }
}
