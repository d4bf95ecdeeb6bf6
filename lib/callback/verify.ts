/**
 * Verifying that OSS signed a callback request.
 *
 * OSS signs `url_decode(path) + ('?' + query, when there is one) + '\n' + body` with
 * RSA PKCS#1 v1.5 over MD5, puts the Base64 signature in `Authorization` and the Base64
 * of its public-key URL in `x-oss-pub-key-url` (OSS Callback page, "Verify the signature":
 * https://www.alibabacloud.com/help/en/oss/developer-reference/callback). Checked against
 * callbacks OSS really signed: test/conformance/callbacks/. Nothing time-based is signed, and no
 * header: the signature proves the request went through OSS, not that the upload is
 * ours (that is the job token's work, token.ts).
 */
import { createVerify, type KeyObject } from 'node:crypto';
import { ReasonedError } from '../errors';
import { base64Padding, canonicalBase64Bytes, hasCanonicalTail } from '../protocol/base64';
import { OSS_PUBLIC_KEY_URL_PREFIXES, PublicKeyCache, PublicKeyError, assertKeyUrlAllowed, parsePrefixes } from './public-key';

/** A callback request as the server received it. */
export interface CallbackRequest {
  /** Raw request path as received, still percent-encoded, without the query. */
  path: string;
  /** Raw query string without the leading '?'; '' or undefined when none. */
  query?: string;
  /** Request headers in any letter case. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes as received. */
  body: Uint8Array | string;
}

export interface VerifyOptions {
  /** Key URL prefixes to trust; default OSS's own (gosspublic.alicdn.com). */
  allowedKeyUrlPrefixes?: readonly string[];
  /** Where keys are cached; default one cache per process. */
  keyCache?: PublicKeyCache;
  /** Largest body accepted, checked before any other work (default 1 MiB). */
  maxBodyBytes?: number;
}

/** What a successful verification tells the caller. */
export interface VerifiedCallback {
  /** The public-key URL the signature was checked with. */
  keyUrl: string;
  /** The raw body, as bytes. */
  body: Buffer;
  /** The callback's Content-Type, if sent. */
  contentType?: string;
  /** `x-oss-bucket`, if sent (unsigned: trust the body's bucket, which is signed). */
  bucket?: string;
  /** `x-oss-request-id`, if sent. */
  requestId?: string;
}

export type VerificationReason =
  | 'body_too_large'
  | 'authorization_missing'
  | 'authorization_malformed'
  | 'header_duplicated'
  | 'pub_key_url_missing'
  | 'pub_key_url_malformed'
  | 'pub_key_url_not_allowed'
  | 'pub_key_fetch_failed'
  | 'pub_key_fetch_limited'
  | 'signature_mismatch';

/** The request was not signed by OSS (or we cannot tell); `reason` says why. */
export class CallbackVerificationError extends ReasonedError<VerificationReason> {}

/** Bodies above this are refused before anything else is done (OSS's callback limit). */
export const MAX_CALLBACK_BODY_BYTES = 1024 * 1024;

let defaultCache: PublicKeyCache | undefined;
/**
 * Key URLs by their header value, per prefix list (a list is frozen once parsed): only
 * URLs whose key was obtained, so forged headers never take the places of real ones.
 */
const allowedKeyUrls = new WeakMap<readonly string[], Map<string, string>>();
const MAX_REMEMBERED_KEY_URLS = 64;
/** Checked prefix lists by the caller's array, so a caller passing the same list each time pays once. */
const checkedPrefixLists = new WeakMap<readonly string[], readonly string[]>();

function checkedPrefixes(list: readonly string[]): readonly string[] {
  let checked = checkedPrefixLists.get(list);
  if (checked === undefined) checkedPrefixLists.set(list, (checked = parsePrefixes(list)));
  return checked;
}

/** The headers verification reads, by lower-case name. */
const WANTED_HEADERS = new Map([
  ['authorization', 'authorization'],
  ['x-oss-pub-key-url', 'keyUrl'],
  ['content-type', 'contentType'],
  ['x-oss-bucket', 'bucket'],
  ['x-oss-request-id', 'requestId'],
] as const);
type WantedHeaders = Partial<Record<'authorization' | 'keyUrl' | 'contentType' | 'bucket' | 'requestId', string>>;

/**
 * Collects the headers verification needs in one pass, ignoring letter case. A header
 * sent twice is refused, never merged: two readers could pick different copies.
 */
function collectHeaders(headers: CallbackRequest['headers']): WantedHeaders {
  const out: WantedHeaders = {};
  for (const name in headers) {
    const field = WANTED_HEADERS.get(name.toLowerCase() as never);
    if (field === undefined) continue;
    let value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length !== 1) throw new CallbackVerificationError('header_duplicated', `${name} sent more than once`);
      value = value[0]!;
    }
    if (out[field] !== undefined) throw new CallbackVerificationError('header_duplicated', `${name} sent more than once`);
    out[field] = value;
  }
  return out;
}

/**
 * Percent-decodes a path once, to bytes (a `%XX` that is not hex stays as written, as a
 * lenient URL decoder leaves it). `+` is not a space in a path.
 */
export function decodePathOnce(path: string): Buffer {
  if (!path.includes('%')) return Buffer.from(path, 'utf8');
  const out: number[] = [];
  const raw = Buffer.from(path, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      out.push(parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16));
      i += 2;
    } else {
      out.push(byte);
    }
  }
  return Buffer.from(out);
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

/**
 * The exact bytes OSS signs for a request.
 *
 * @example signedBytes('/cb/a%20b', 'x=1', 'k=v').toString() // => '/cb/a b?x=1\nk=v'
 */
export function signedBytes(path: string, query: string | undefined, body: Uint8Array | string): Buffer {
  const tail = query ? `?${query}\n` : '\n';
  if (!path.includes('%')) {
    // The common case, without the byte-by-byte decode: one string, one copy of the body.
    if (typeof body === 'string') return Buffer.from(path + tail + body, 'utf8');
    const head = path + tail;
    const headLength = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(headLength + body.byteLength);
    out.write(head, 0, 'utf8');
    out.set(body, headLength);
    return out;
  }
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([decodePathOnce(path), Buffer.from(tail, 'utf8'), bodyBytes]);
}

/**
 * Decodes the Authorization value without a regular expression (this is the hot path):
 * Node's decoder skips characters outside the alphabet, so any such character leaves
 * the output shorter than the length the input's size and padding promise. Only the
 * canonical spelling is accepted (hasCanonicalTail): otherwise a changed last character
 * of a captured signature would still verify.
 */
function decodeSignature(value: string): Buffer | undefined {
  const compact = value.charCodeAt(value.length - 1) <= 0x20 || value.charCodeAt(0) <= 0x20 ? value.trim() : value;
  if (compact.length === 0 || compact.length % 4 !== 0) return undefined;
  const padding = base64Padding(compact);
  const decoded = Buffer.from(compact, 'base64');
  return decoded.length === (compact.length / 4) * 3 - padding && !compact.includes('-') && !compact.includes('_') && hasCanonicalTail(compact, padding) ? decoded : undefined;
}

/** The key URL in `x-oss-pub-key-url`, or undefined when it is not Base64 of a printable URL. */
function keyUrlFromHeader(value: string): string | undefined {
  const url = canonicalBase64Bytes(value.trim())?.toString('utf8');
  return url !== undefined && /^[\x21-\x7e]+$/.test(url) ? url : undefined;
}

/**
 * Resolves when OSS signed this request; otherwise rejects with
 * CallbackVerificationError whose `reason` says why. Body size is checked first, then
 * the headers, the key URL against the allowed prefixes, then the RSA-MD5 signature.
 *
 * @example
 * const verified = await verifyOssCallback({ path: event.rawPath, headers: event.headers, body });
 * // verified.keyUrl === 'https://gosspublic.alicdn.com/callback_pub_key_v1.pem'
 */
export async function verifyOssCallback(req: CallbackRequest, options: VerifyOptions = {}): Promise<VerifiedCallback> {
  // No closures are made per call: this is the hot path, measured by `npm run bench`.
  const maxBody = options.maxBodyBytes ?? MAX_CALLBACK_BODY_BYTES;
  const bodyLength = typeof req.body === 'string' ? Buffer.byteLength(req.body, 'utf8') : req.body.byteLength;
  if (bodyLength > maxBody) {
    throw new CallbackVerificationError('body_too_large', `callback body is ${bodyLength} bytes; at most ${maxBody} are accepted`);
  }

  const { authorization, keyUrl: keyUrlHeader, contentType, bucket, requestId } = collectHeaders(req.headers);
  if (authorization === undefined || authorization === '' || authorization.trim() === '') throw new CallbackVerificationError('authorization_missing', 'no Authorization header');
  const signature = decodeSignature(authorization);
  if (signature === undefined) throw new CallbackVerificationError('authorization_malformed', 'Authorization is not Base64');

  if (keyUrlHeader === undefined || keyUrlHeader === '' || keyUrlHeader.trim() === '') throw new CallbackVerificationError('pub_key_url_missing', 'no x-oss-pub-key-url header');
  const prefixes = options.allowedKeyUrlPrefixes ? checkedPrefixes(options.allowedKeyUrlPrefixes) : OSS_PUBLIC_KEY_URL_PREFIXES;
  // Real traffic carries one or two distinct key-URL headers; remembering the ones
  // already decoded and allowed (for this prefix list) keeps URL parsing off the hot path.
  let allowed = allowedKeyUrls.get(prefixes);
  let keyUrl = allowed?.get(keyUrlHeader);
  const cache = options.keyCache ?? (defaultCache ??= new PublicKeyCache());
  let key: KeyObject;
  try {
    if (keyUrl === undefined) {
      keyUrl = keyUrlFromHeader(keyUrlHeader);
      if (keyUrl === undefined) throw new CallbackVerificationError('pub_key_url_malformed', 'x-oss-pub-key-url is not the Base64 of a URL');
      assertKeyUrlAllowed(keyUrl, prefixes);
      key = cache.peek(keyUrl) ?? (await cache.get(keyUrl));
      if (allowed === undefined) allowedKeyUrls.set(prefixes, (allowed = new Map()));
      if (allowed.size < MAX_REMEMBERED_KEY_URLS) allowed.set(keyUrlHeader, keyUrl);
    } else {
      key = cache.peek(keyUrl) ?? (await cache.get(keyUrl));
    }
  } catch (error) {
    if (error instanceof PublicKeyError) throw new CallbackVerificationError(error.reason, error.message);
    throw error;
  }

  // A streaming Verify hashes the parts where they lie: no copy of the body into a
  // signed-string buffer, and (measured by `npm run bench`) faster than crypto.verify's
  // one-shot path, which pays a per-call cost for every freshly made buffer view.
  const tail = req.query ? `?${req.query}\n` : '\n';
  const verifier = createVerify('md5');
  if (req.path.includes('%')) verifier.update(decodePathOnce(req.path)).update(tail, 'utf8');
  else verifier.update(req.path + tail, 'utf8');
  if (typeof req.body === 'string') verifier.update(req.body, 'utf8');
  else verifier.update(req.body);
  if (!verifier.verify(key, signature)) {
    throw new CallbackVerificationError('signature_mismatch', 'the signature does not match the request');
  }
  const verified: VerifiedCallback = {
    keyUrl,
    body: Buffer.isBuffer(req.body) ? req.body : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
  };
  if (contentType !== undefined) verified.contentType = contentType;
  if (bucket !== undefined) verified.bucket = bucket;
  if (requestId !== undefined) verified.requestId = requestId;
  return verified;
}
