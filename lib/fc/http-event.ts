import { ReasonedError } from '../errors';
import { BASE64_PATTERN } from '../protocol/base64';

/**
 * The event an FC 3.0 HTTP trigger passes to a built-in runtime handler (as the JSON
 * in the `event` Buffer). Source: "Use an HTTP trigger to invoke a function", request
 * struct (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function)
 * and the devsapp/fc3 sample event (test/conformance/fc-events/http.json):
 * - `rawPath` is still percent-encoded; `requestContext.http.path` is the decoded path.
 * - header names arrive in canonical MIME form (`X-Oss-Pub-Key-Url`); several values of
 *   one header, or of one query parameter, are joined with `,`. No raw query string.
 * - `body` is Base64 (and `isBase64Encoded` true) when the content is binary.
 */
export interface FcHttpEvent {
  version: string;
  rawPath: string;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: FcHttpRequestContext;
}

/** `requestContext` of an {@link FcHttpEvent}. */
export interface FcHttpRequestContext {
  accountId: string;
  domainName: string;
  domainPrefix: string;
  requestId: string;
  /** RFC 3339 time of the request, second precision (`2023-09-05T06:41:11Z`). */
  time: string;
  /** Epoch milliseconds, as a string. */
  timeEpoch: string;
  /** Present in events delivered through a trigger (seen in the devsapp/fc3 sample). */
  triggerId?: string;
  http: {
    method: string;
    path: string;
    protocol: string;
    sourceIp: string;
    userAgent: string;
  };
}

/**
 * What a handler returns to answer an HTTP trigger (same doc, "response struct"):
 * `body` is text, or Base64 of the bytes when `isBase64Encoded` is true.
 */
export interface FcHttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** Why an HTTP event could not be read. */
export type FcEventErrorReason = 'event_not_json' | 'event_not_object' | 'event_field_invalid' | 'event_body_invalid';

/** Thrown by {@link parseFcHttpEvent} and {@link httpBody} on a malformed event. */
export class FcEventError extends ReasonedError<FcEventErrorReason> {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function stringField(obj: Json, key: string, where: string, fallback?: string): string {
  const value = obj[key];
  if (typeof value === 'string') return value;
  if (value === undefined && fallback !== undefined) return fallback;
  throw new FcEventError('event_field_invalid', `HTTP event field ${where}${key} must be a string`);
}

function stringMap(obj: Json, key: string): Record<string, string> {
  const value = obj[key];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new FcEventError('event_field_invalid', `HTTP event field ${key} must be an object`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new FcEventError('event_field_invalid', `HTTP event ${key}.${name} must be a string`);
    out[name] = v;
  }
  return out;
}

/**
 * Reads an FC 3.0 HTTP trigger event from what the runtime hands the handler (a Buffer),
 * or from its text or an already parsed object. Checks every field the type promises;
 * missing `queryParameters` and `body` read as empty, a missing `isBase64Encoded` as false.
 * Throws {@link FcEventError} (`event_not_json`, `event_not_object`, `event_field_invalid`).
 *
 * @example
 * const req = parseFcHttpEvent(event);
 * req.requestContext.http.method; // 'POST'
 */
export function parseFcHttpEvent(event: Buffer | string | object): FcHttpEvent {
  let value: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const text = typeof event === 'string' ? event : event.toString('utf8');
    try {
      value = JSON.parse(text);
    } catch {
      throw new FcEventError('event_not_json', 'HTTP event is not JSON');
    }
  }
  if (!isObject(value)) throw new FcEventError('event_not_object', 'HTTP event is not a JSON object');

  const rawPath = stringField(value, 'rawPath', '');
  if (!rawPath.startsWith('/')) throw new FcEventError('event_field_invalid', 'HTTP event rawPath must start with "/"');
  const isBase64Encoded = value.isBase64Encoded ?? false;
  if (typeof isBase64Encoded !== 'boolean') throw new FcEventError('event_field_invalid', 'HTTP event field isBase64Encoded must be a boolean');

  const ctx = value.requestContext;
  if (!isObject(ctx)) throw new FcEventError('event_field_invalid', 'HTTP event field requestContext must be an object');
  const http = ctx.http;
  if (!isObject(http)) throw new FcEventError('event_field_invalid', 'HTTP event field requestContext.http must be an object');
  const timeEpoch = ctx.timeEpoch;

  return {
    version: stringField(value, 'version', '', 'v1'),
    rawPath,
    headers: stringMap(value, 'headers'),
    queryParameters: stringMap(value, 'queryParameters'),
    body: stringField(value, 'body', '', ''),
    isBase64Encoded,
    requestContext: {
      accountId: stringField(ctx, 'accountId', 'requestContext.', ''),
      domainName: stringField(ctx, 'domainName', 'requestContext.', ''),
      domainPrefix: stringField(ctx, 'domainPrefix', 'requestContext.', ''),
      requestId: stringField(ctx, 'requestId', 'requestContext.', ''),
      time: stringField(ctx, 'time', 'requestContext.', ''),
      timeEpoch: typeof timeEpoch === 'number' ? String(timeEpoch) : stringField(ctx, 'timeEpoch', 'requestContext.', ''),
      ...(typeof ctx.triggerId === 'string' ? { triggerId: ctx.triggerId } : {}),
      http: {
        method: stringField(http, 'method', 'requestContext.http.').toUpperCase(),
        path: stringField(http, 'path', 'requestContext.http.', rawPath),
        protocol: stringField(http, 'protocol', 'requestContext.http.', ''),
        sourceIp: stringField(http, 'sourceIp', 'requestContext.http.', ''),
        userAgent: stringField(http, 'userAgent', 'requestContext.http.', ''),
      },
    },
  };
}

/**
 * The value of a header in any letter case (FC re-capitalises names), or undefined.
 * An exact match wins; otherwise the first name equal ignoring case.
 *
 * @example
 * headerValue(req.headers, 'x-oss-pub-key-url'); // reads "X-Oss-Pub-Key-Url"
 */
export function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/**
 * The request body as bytes: Base64-decoded when `isBase64Encoded`, else the UTF-8 of
 * the text. A body flagged Base64 that is not strict, padded standard Base64 throws
 * {@link FcEventError} `event_body_invalid` rather than being silently mangled.
 *
 * @example
 * const raw = httpBody(req); // the exact bytes OSS signed
 */
export function httpBody(event: Pick<FcHttpEvent, 'body' | 'isBase64Encoded'>): Buffer {
  const body = event.body ?? '';
  if (!event.isBase64Encoded) return Buffer.from(body, 'utf8');
  if (!BASE64_PATTERN.test(body)) throw new FcEventError('event_body_invalid', 'HTTP event body is flagged Base64 but is not valid Base64');
  return Buffer.from(body, 'base64');
}
