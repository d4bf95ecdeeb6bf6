/**
 * Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), which the FC 3.0 API
 * (2023-03-30) uses. Both sides need it: lib/fc/invoke-v3.ts signs requests, the local
 * FC host (local/fc-host/invoke-api-v3.ts) checks them.
 *
 * From "Request syntax and signature method V3"
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature)
 * and FC 3.0's "Signature mechanism"
 * (https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism):
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
 * sorted by name): `host`, `content-type` and every `x-acs-*` header present;
 * SignedHeaders their names joined with `;`; HashedRequestPayload hex SHA-256 of the
 * body, also sent as `x-acs-content-sha256`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Header values as Node gives them (or as a client builds them). */
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
 * lowercase and sorted.
 *
 * @example signableHeaderNames({ Host: 'h', 'x-acs-date': 'd', accept: '*' }) // ['host', 'x-acs-date']
 */
export function signableHeaderNames(headers: V3Headers): string[] {
  return [...lowerCased(headers).keys()].filter((name) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-')).sort(compare);
}

/** What the canonical request is made of. */
export interface V3RequestParts {
  method: string;
  /** The path as sent, already canonical (see canonicalUriV3). */
  canonicalUri: string;
  /** The query as canonicalQueryV3 makes it ('' for none). */
  canonicalQuery: string;
  headers: V3Headers;
  /** Lowercase names of the headers to sign, in any order. */
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

/** Hex HMAC-SHA256 of the string to sign with the key secret. */
export function signatureV3(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

/** The signature of a request's parts (canonical request → string to sign → HMAC). */
export function signPartsV3(parts: V3RequestParts, accessKeySecret: string): string {
  return signatureV3(accessKeySecret, stringToSignV3(canonicalRequestV3(parts)));
}

/** The parts of an `Authorization: ACS3-HMAC-SHA256 …` header. */
export interface V3Authorization {
  accessKeyId: string;
  /** Lowercase names, in the order the header gives them. */
  signedHeaders: string[];
  signature: string;
}

/** Formats the Authorization header. */
export function formatAuthorizationV3(auth: V3Authorization): string {
  return `${ACS3_ALGORITHM} Credential=${auth.accessKeyId},SignedHeaders=${auth.signedHeaders.join(';')},Signature=${auth.signature}`;
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

/** Compares two hex signatures in constant time (length leaks only). */
export function signaturesEqualV3(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A request to sign. */
export interface V3SignInput {
  method: string;
  /** Unencoded path, e.g. `/2023-03-30/functions/my-fn/invocations`. */
  path: string;
  query?: V3Query;
  /** Headers to send: must hold `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`. */
  headers: Record<string, string>;
  body: Uint8Array | string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: sent as `x-acs-security-token` (signed). */
  securityToken?: string;
}

/**
 * Signs a request: returns its headers plus `x-acs-content-sha256`,
 * `x-acs-security-token` (with STS) and `authorization`, and the encoded path and query
 * to put in the URL.
 *
 * @example
 * const signed = signRequestV3({ method: 'POST', path: '/2023-03-30/functions/f/invocations',
 *   query: { qualifier: 'LATEST' }, headers: { host, 'x-acs-action': 'InvokeFunction', … }, body, accessKeyId, accessKeySecret });
 * // signed.headers.authorization === 'ACS3-HMAC-SHA256 Credential=…,SignedHeaders=host;x-acs-…,Signature=…'
 */
export function signRequestV3(input: V3SignInput): { headers: Record<string, string>; pathAndQuery: string } {
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = { ...input.headers, 'x-acs-content-sha256': payloadHash };
  if (input.securityToken) headers['x-acs-security-token'] = input.securityToken;
  const canonicalUri = canonicalUriV3(input.path);
  const canonicalQuery = canonicalQueryV3(input.query);
  const signedHeaders = signableHeaderNames(headers);
  const signature = signPartsV3({ method: input.method, canonicalUri, canonicalQuery, headers, signedHeaders, payloadHash }, input.accessKeySecret);
  headers.authorization = formatAuthorizationV3({ accessKeyId: input.accessKeyId, signedHeaders, signature });
  return { headers, pathAndQuery: canonicalQuery ? `${canonicalUri}?${canonicalQuery}` : canonicalUri };
}

/**
 * `x-acs-date`'s format: ISO 8601 UTC to the second, e.g. `2023-10-26T10:22:32Z`.
 *
 * @example acsDate(new Date(Date.UTC(2023, 9, 26, 10, 22, 32, 500))) // '2023-10-26T10:22:32Z'
 */
export function acsDate(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
