import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FcHttpEvent } from '../../lib/fc/http-event';
import type { FcFunctionErrorBody } from './errors';

/**
 * The FC 3.0 HTTP trigger of a built-in runtime, both ways: an HTTP request becomes the
 * event JSON (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function,
 * "request struct", and the devsapp/fc3 sample test/conformance/fc-events/http.json), and the
 * function's result becomes the HTTP response ("response struct").
 */

/**
 * A header name in canonical MIME form, as Go's `textproto.CanonicalMIMEHeaderKey` writes
 * it and FC delivers it: the first letter and every letter after a hyphen upper case,
 * the rest lower (`x-oss-pub-key-url` → `X-Oss-Pub-Key-Url`, `x-acs-content-sha256` →
 * `X-Acs-Content-Sha256` as in the sample). A name with a byte that is not a header token
 * character is left as it is, as Go does.
 *
 * @example
 * canonicalHeaderName('content-MD5'); // 'Content-Md5'
 */
export function canonicalHeaderName(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  let upper = true;
  let out = '';
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

// The sample event carries neither: Go's server moves Host out of the header map, and the
// body is complete, so its framing headers mean nothing to the function.
const DROPPED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding']);

/**
 * The request headers as FC passes them: canonical names, repeated headers joined with
 * `,` (request struct: "when a key has several values they are separated by commas").
 */
export function eventHeaders(rawHeaders: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
    const key = canonicalHeaderName(name);
    out[key] = key in out ? `${out[key]},${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return out;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Query parameters, decoded, several values of one name joined with `,`. */
export function eventQuery(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!rawQuery) return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return out;
}

const TEXT_TYPES = /^(text\/[^;]*|application\/(json|[^;]*\+json|xml|[^;]*\+xml|javascript|x-www-form-urlencoded))\s*(;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether FC would pass the body as Base64. The docs say only "Base64 when the request's
 * content type is binary"; we treat textual types (text/*, JSON, XML, JavaScript, form
 * data) that hold valid UTF-8 as text and everything else as binary, so no byte is ever
 * lost. `mode: 'base64'` forces Base64 to test that a handler copes with both.
 */
export function bodyIsBinary(contentType: string | undefined, body: Buffer, mode: 'auto' | 'base64' = 'auto'): boolean {
  if (mode === 'base64') return true;
  if (body.length === 0) return false;
  if (!contentType || !TEXT_TYPES.test(contentType.trim())) return true;
  try {
    utf8.decode(body);
    return false;
  } catch {
    return true;
  }
}

/** What buildHttpEvent needs besides the request. */
export interface HttpEventContext {
  requestId: string;
  accountId: string;
  triggerId: string;
  bodyEncoding: 'auto' | 'base64';
  now?: number;
}

/**
 * The FC 3.0 HTTP event for a request whose body has been read.
 *
 * @example
 * const event = buildHttpEvent(req, body, { requestId, accountId, triggerId, bodyEncoding: 'auto' });
 */
export function buildHttpEvent(req: IncomingMessage, body: Buffer, ctx: HttpEventContext): FcHttpEvent {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const now = ctx.now ?? Date.now();
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const binary = bodyIsBinary(req.headers['content-type'], body, ctx.bodyEncoding);
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // A malformed escape stays as sent; FC would not reject the request either.
  }
  return {
    version: 'v1',
    rawPath,
    headers: eventHeaders(req.rawHeaders),
    queryParameters: eventQuery(rawQuery),
    body: binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: ctx.accountId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? '',
      requestId: ctx.requestId,
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(now),
      triggerId: ctx.triggerId,
      http: {
        method: req.method ?? 'GET',
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'] ?? '',
      },
    },
  };
}

/** An HTTP response ready to be written. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The 502 FC answers when the function fails behind an HTTP trigger (HTTP trigger FAQ, doc 85445: UnhandledInvocationError → 502). */
export function functionErrorAnswer(error: FcFunctionErrorBody): HttpAnswer {
  return {
    status: 502,
    headers: { 'Content-Type': 'application/json', 'X-Fc-Error-Type': 'UnhandledInvocationError' },
    body: Buffer.from(JSON.stringify(error)),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Maps the function's result bytes to the HTTP response, as FC's gateway does with the
 * bytes the runtime returns ("response struct"; the same rules as AWS Lambda function
 * URLs, which FC 3.0 follows):
 * - a JSON object with a numeric `statusCode` is a response: `headers`, `body`
 *   (Base64-decoded when `isBase64Encoded`);
 * - other valid JSON: 200, `Content-Type: application/json`, the JSON as the body;
 * - anything else: 200 with the bytes as the body (`text/plain` when they are UTF-8,
 *   else `application/octet-stream`). The docs do not say; this is our choice.
 * A malformed response object is a function error (502).
 */
export function httpAnswerFromResult(result: Buffer): HttpAnswer {
  if (result.length === 0) return { status: 200, headers: {}, body: result };
  let parsed: unknown;
  let isJson = true;
  try {
    parsed = JSON.parse(result.toString('utf8'));
  } catch {
    isJson = false;
  }
  if (!isJson) {
    let text = true;
    try {
      utf8.decode(result);
    } catch {
      text = false;
    }
    return { status: 200, headers: { 'Content-Type': text ? 'text/plain; charset=utf-8' : 'application/octet-stream' }, body: result };
  }
  if (!isRecord(parsed) || parsed.statusCode === undefined) {
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: result };
  }
  const status = parsed.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return functionErrorAnswer({ errorMessage: `invalid statusCode in function response: ${JSON.stringify(status)}`, errorType: 'InvalidResponse' });
  }
  const headers: Record<string, string | string[]> = {};
  if (parsed.headers !== undefined) {
    if (!isRecord(parsed.headers)) return functionErrorAnswer({ errorMessage: 'function response headers must be an object', errorType: 'InvalidResponse' });
    for (const [name, value] of Object.entries(parsed.headers)) {
      if (Array.isArray(value)) headers[name] = value.map(String);
      else if (value !== undefined && value !== null) headers[name] = String(value);
    }
  }
  const rawBody = parsed.body;
  let body: Buffer;
  if (rawBody === undefined || rawBody === null) body = Buffer.alloc(0);
  else if (typeof rawBody === 'string') body = Buffer.from(rawBody, parsed.isBase64Encoded === true ? 'base64' : 'utf8');
  else body = Buffer.from(JSON.stringify(rawBody));
  return { status, headers, body };
}

/** Writes an answer with FC's request id header and a correct Content-Length. */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer, requestId: string): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('X-Fc-Request-Id', requestId);
  res.setHeader('Content-Length', answer.body.length);
  res.end(answer.body);
}
