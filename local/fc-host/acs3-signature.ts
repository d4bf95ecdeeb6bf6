/**
 * Checking Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as the FC 3.0 API
 * (2023-03-30) does, for the local FC host's invoke route (invoke-api-v3.ts). Clients sign
 * with the official SDK (@alicloud/fc20230330); this is only the receiving side.
 *
 * The algorithm, from "Request syntax and signature method V3"
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature)
 * and FC 3.0's "Signature mechanism"
 * (https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism),
 * and as the SDK computes it (@alicloud/openapi-core 1.0.8, src/utils.ts
 * `getAuthorization`, `getAuthorizationHeaders`, `getAuthorizationQueryString`; src/client.ts
 * `doRequest`):
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
 *                      CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(SHA256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
 *   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
 *
 * CanonicalURI is the path with each segment RFC 3986-encoded; CanonicalQueryString the
 * parameters encoded the same way, sorted by name, `name=value` joined with `&`;
 * CanonicalHeaders `name:value\n` for each signed header (lowercase name, trimmed value,
 * sorted by name). The SDK signs `host`, `content-type` and every `x-acs-*` header it
 * sends (x-acs-action, -version, -date, -signature-nonce, -content-sha256,
 * -credentials-provider, and with STS -accesskey-id and -security-token);
 * HashedRequestPayload is hex SHA-256 of the body, also sent as `x-acs-content-sha256`.
 * `x-fc-invocation-type`, `user-agent` and `accept` travel unsigned.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Header values as Node gives them. */
export type V3Headers = Record<string, string | string[] | number | undefined>;

/** Query parameters: one value, or several for a repeated name. */
export type V3Query = Record<string, string | string[]>;

/** Hex SHA-256 of `data` (the V3 payload hash and the hash of the canonical request). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * RFC 3986 percent-encoding as V3 wants it: only `A-Z a-z 0-9 - _ . ~` stay as they are
 * (space is `%20`, `*` is `%2A`, `~` is kept).
 *
 * @example percentEncodeV3('a b*c~d') // 'a%20b%2Ac~d'
 */
export function percentEncodeV3(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI of an unencoded path: each `/`-separated segment encoded.
 *
 * @example canonicalUriV3('/2023-03-30/functions/my fn/invocations') // '/2023-03-30/functions/my%20fn/invocations'
 */
export function canonicalUriV3(path: string): string {
  if (path === '') return '/';
  return path.split('/').map(percentEncodeV3).join('/');
}

/**
 * The canonical query string of unencoded parameters.
 *
 * @example canonicalQueryV3({ RegionId: 'cn-shanghai', ImageId: 'x' }) // 'ImageId=x&RegionId=cn-shanghai'
 */
export function canonicalQueryV3(query: V3Query | undefined): string {
  const pairs: [string, string][] = [];
  for (const [name, values] of Object.entries(query ?? {})) {
    for (const value of Array.isArray(values) ? values : [values]) pairs.push([percentEncodeV3(name), percentEncodeV3(value)]);
  }
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function headerText(value: string | string[] | number | undefined): string {
  if (value === undefined) return '';
  return (Array.isArray(value) ? value.join(',') : String(value)).trim();
}

/** Headers by lowercase name. */
function lowerCased(headers: V3Headers): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out.set(name.toLowerCase().trim(), headerText(value));
  }
  return out;
}

/**
 * The names a signer must sign in `headers`: `host`, `content-type` and every `x-acs-*`,
 * lowercase and sorted (the SDK's `getAuthorizationHeaders` picks exactly these).
 *
 * @example signableHeaderNames({ Host: 'h', 'x-acs-date': 'd', accept: '*' }) // ['host', 'x-acs-date']
 */
export function signableHeaderNames(headers: V3Headers): string[] {
  return [...lowerCased(headers).keys()].filter((name) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-')).sort(compare);
}

/** What the canonical request is made of. */
export interface V3RequestParts {
  method: string;
  /** The path, already canonical (see canonicalUriV3). */
  canonicalUri: string;
  /** The query as canonicalQueryV3 makes it ('' for none). */
  canonicalQuery: string;
  headers: V3Headers;
  /** Lowercase names of the signed headers, in any order. */
  signedHeaders: string[];
  /** Hex SHA-256 of the body. */
  payloadHash: string;
}

/** The canonical request of V3 (a header named in `signedHeaders` but absent signs as empty). */
export function canonicalRequestV3(parts: V3RequestParts): string {
  const headers = lowerCased(parts.headers);
  const names = [...new Set(parts.signedHeaders.map((n) => n.toLowerCase()))].sort(compare);
  const canonicalHeaders = names.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join('');
  return [parts.method.toUpperCase(), parts.canonicalUri, parts.canonicalQuery, canonicalHeaders, names.join(';'), parts.payloadHash].join('\n');
}

/** `ACS3-HMAC-SHA256\n<hex SHA-256 of the canonical request>`. */
export function stringToSignV3(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** The signature of a request's parts (canonical request → string to sign → hex HMAC-SHA256). */
export function signPartsV3(parts: V3RequestParts, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSignV3(canonicalRequestV3(parts)), 'utf8').digest('hex');
}

/** The parts of an `Authorization: ACS3-HMAC-SHA256 …` header. */
export interface V3Authorization {
  accessKeyId: string;
  /** Lowercase names, in the order the header gives them. */
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses an Authorization header of the V3 form; undefined when it is not one (another
 * scheme, or a part missing).
 *
 * @example
 * parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=ab12')
 * // { accessKeyId: 'id', signedHeaders: ['host', 'x-acs-date'], signature: 'ab12' }
 */
export function parseAuthorizationV3(header: string | undefined): V3Authorization | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (!text.startsWith(`${ACS3_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of text.slice(ACS3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((n) => n.trim().toLowerCase()).filter(Boolean), signature };
}

/** Compares two secrets or hex signatures in constant time (length leaks only). */
function equalInConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A raw query string as parameters (no `+`-as-space: V3 clients encode a space as %20). */
function parseQuery(raw: string): V3Query {
  const query: Record<string, string[]> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    (query[name] ??= []).push(eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return query;
}

/** A request as it arrived. */
export interface Acs3Request {
  method: string;
  /** Path and query exactly as sent, e.g. `/2023-03-30/functions/f/invocations?qualifier=LATEST`. */
  url: string;
  headers: V3Headers;
  body: Uint8Array;
}

/** The key pair (and, for temporary keys, the STS token) the receiver accepts. */
export interface Acs3Key {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Why a request was refused, in FC's terms (status and error code of FC's error code table). */
export interface Acs3Refusal {
  status: number;
  code: 'MissingRequiredHeader' | 'SignatureNotMatch' | 'InvalidAccessKeyID' | 'AccessDenied';
  message: string;
}

/** Headers a V3 request must carry (the V3 document's common request headers). */
const REQUIRED_HEADERS = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

// FC's message for code SignatureNotMatch, word for word (error code table:
// https://help.aliyun.com/zh/fc/developer-reference/error-codes, read 2026-12-02).
const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your access key and signing method';

/**
 * Checks a request's V3 signature against `key`: undefined when it is good, else why not.
 * Messages name headers and the key id (FC echoes it), never a secret, token or signature.
 *
 * @example
 * const refusal = verifyAcs3Request({ method: req.method, url: req.url, headers: req.headers, body }, { accessKeyId, accessKeySecret });
 * if (refusal) answer(refusal.status, { Code: refusal.code, Message: refusal.message });
 */
export function verifyAcs3Request(request: Acs3Request, key: Acs3Key): Acs3Refusal | undefined {
  const headers = lowerCased(request.headers);
  const authorization = headers.get('authorization');
  if (authorization === undefined) return { status: 400, code: 'MissingRequiredHeader', message: 'required HTTP header Authorization was not specified' };
  for (const name of REQUIRED_HEADERS) {
    if (!headers.has(name)) return { status: 400, code: 'MissingRequiredHeader', message: `required HTTP header ${name} was not specified` };
  }
  const auth = parseAuthorizationV3(authorization);
  // The 2016-08-15 `FC id:sig` scheme is refused: no source says the 2023-03-30 API
  // accepts it (docs/invoke-api.md, "Not verified").
  if (!auth) return { status: 403, code: 'SignatureNotMatch', message: `${MISMATCH} (expected ${ACS3_ALGORITHM})` };
  if (auth.accessKeyId !== key.accessKeyId) return { status: 403, code: 'InvalidAccessKeyID', message: `invalid access key ID '${auth.accessKeyId}'` };
  // Every host and x-acs-* header the SDK sends is signed (getAuthorizationHeaders): an
  // unsigned one could have been changed on the way.
  const unsigned = signableHeaderNames(request.headers).filter((name) => name !== 'content-type' && !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) return { status: 403, code: 'SignatureNotMatch', message: `${MISMATCH} (header ${unsigned.join(', ')} is not signed)` };
  const payloadHash = sha256Hex(request.body);
  if ((headers.get('x-acs-content-sha256') ?? '').toLowerCase() !== payloadHash) {
    return { status: 403, code: 'SignatureNotMatch', message: `${MISMATCH} (x-acs-content-sha256 does not match the body)` };
  }
  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const expected = signPartsV3(
    {
      method: request.method,
      // Re-encode what arrived, so `%7E` and `~` compare equal, as the canonical form intends.
      canonicalUri: canonicalUriV3(rawPath.split('/').map(decode).join('/')),
      canonicalQuery: canonicalQueryV3(parseQuery(rawQuery)),
      headers: request.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
    },
    key.accessKeySecret,
  );
  if (!equalInConstantTime(expected, auth.signature.toLowerCase())) return { status: 403, code: 'SignatureNotMatch', message: MISMATCH };
  if (key.securityToken !== undefined) {
    // A temporary key is only valid with its token, which the SDK sends (and signs) as
    // x-acs-security-token. FC's error table has no code for a bad token; AccessDenied is
    // its documented catch-all for refused callers. Not verified against FC (README.md).
    const token = headers.get('x-acs-security-token');
    if (token === undefined || !equalInConstantTime(token, key.securityToken)) {
      return { status: 403, code: 'AccessDenied', message: `the security token of temporary access key '${key.accessKeyId}' is missing or wrong` };
    }
  }
  return undefined;
}
