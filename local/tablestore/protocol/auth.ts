/**
 * Request authentication and response signing as the service does them.
 *
 * Request (SDK lib/signer.js; python SDK protocol.py `_make_request_signature`):
 *   signature = Base64(HMAC-SHA1(secret, path + "\n" + "POST" + "\n" + query + "\n"
 *               + sorted "name:value" lines of every x-ots-* header but x-ots-signature + "\n"))
 * Response (python SDK protocol.py `_make_response_signature`, `_check_authorization`):
 *   authorization: "OTS " + accessKeyId + ":" + Base64(HMAC-SHA1(secret,
 *               sorted x-ots-* response header lines joined by "\n" + "\n" + path))
 * Error messages and statuses from the error-code reference
 * (https://help.aliyun.com/document_detail/27300.html).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { OtsError, parameterInvalid } from './errors';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  instance: string;
}

/** Headers every request must carry (Tablestore API reference, "公共请求头"). */
const REQUIRED_HEADERS = ['x-ots-date', 'x-ots-apiversion', 'x-ots-accesskeyid', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-instancename'];

/** How far x-ots-date may be from the server clock (the SDKs check the same 15 minutes). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function canonicalHeaders(headers: Record<string, string | string[] | undefined>): string {
  return Object.keys(headers)
    .map((n) => n.toLowerCase())
    .filter((n) => n.startsWith('x-ots-') && n !== 'x-ots-signature')
    .sort()
    .map((n) => `${n}:${String(headers[n]).trim()}`)
    .join('\n');
}

function hmac(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authFailed(message: string): OtsError {
  return new OtsError('OTSAuthFailed', message);
}

/** Base64 MD5 of a body, as x-ots-contentmd5 carries it. */
export function contentMd5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}

/**
 * Throws the service's error when a request is not properly authenticated: a missing
 * header, an unknown key or instance, a bad signature, a skewed clock or a body whose
 * MD5 does not match.
 */
export function verifyRequest(
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
  credentials: Credentials,
  now = Date.now(),
): void {
  for (const name of REQUIRED_HEADERS) {
    if (typeof headers[name] !== 'string') throw parameterInvalid(`Missing header: '${name}'.`);
  }
  const date = headers['x-ots-date'] as string;
  const time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(date) ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(time)) throw parameterInvalid(`Invalid date format: ${date}.`);
  if (headers['x-ots-accesskeyid'] !== credentials.accessKeyId) throw authFailed('The AccessKeyID does not exist.');
  if (headers['x-ots-instancename'] !== credentials.instance) throw authFailed('The instance is not found.');
  const stringToSign = `${path}\nPOST\n\n${canonicalHeaders(headers)}\n`;
  if (!sameText(hmac(credentials.accessKeySecret, stringToSign), headers['x-ots-signature'] as string)) {
    throw authFailed('Signature mismatch.');
  }
  if (Math.abs(now - time) > MAX_CLOCK_SKEW_MS) throw authFailed(`Mismatch between system time and x-ots-date: ${date}.`);
  if (contentMd5(body) !== headers['x-ots-contentmd5']) {
    throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
}

/** The `authorization` header value the service signs a response with. */
export function signResponse(path: string, headers: Record<string, string>, credentials: Credentials): string {
  return `OTS ${credentials.accessKeyId}:${hmac(credentials.accessKeySecret, `${canonicalHeaders(headers)}\n${path}`)}`;
}
