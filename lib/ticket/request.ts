/**
 * The body of `POST /tickets`: `{ jobId?, key | filename, contentType?, maxBytes?, vars? }`.
 * Anything else, or anything malformed, is refused before a ticket is made.
 */
import { TicketError } from './errors';
import { hasControlCharacters } from './naming';

/** A ticket request as the client sent it, checked for shape (names are checked in naming.ts). */
export interface TicketRequest {
  jobId?: string;
  key?: string;
  filename?: string;
  contentType?: string;
  maxBytes?: number;
  vars: Record<string, string>;
}

/** The body is small JSON; anything larger is not a ticket request. */
export const MAX_TICKET_REQUEST_BYTES = 16 * 1024;
/** Vars ride as `x:var_<name>` form fields; OSS wants custom variable names in lower case. */
const VAR_NAME = /^[a-z0-9_]{1,32}$/;
const MAX_VARS = 16;
const MAX_VAR_VALUE = 512;
/** `type/subtype` with optional parameters, as a Content-Type header value. */
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\]*"))*$/;
const FIELDS = new Set(['jobId', 'key', 'filename', 'contentType', 'maxBytes', 'vars']);
/** Set by the function from the verified user, never by the client. */
export const RESERVED_VARS = new Set(['user']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkVars(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new TicketError('bad_vars', 'vars must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > MAX_VARS) throw new TicketError('bad_vars', `vars holds at most ${MAX_VARS} entries`);
  const out: Record<string, string> = {};
  for (const [name, v] of entries) {
    if (!VAR_NAME.test(name)) throw new TicketError('bad_vars', `var name ${JSON.stringify(name)} must be 1-32 of a-z 0-9 _`);
    if (RESERVED_VARS.has(name)) throw new TicketError('bad_vars', `var ${JSON.stringify(name)} is set by the ticket function`);
    if (typeof v !== 'string' || v.length > MAX_VAR_VALUE || hasControlCharacters(v)) {
      throw new TicketError('bad_vars', `var ${name} must be a string of at most ${MAX_VAR_VALUE} characters without control characters`);
    }
    out[name] = v;
  }
  return out;
}

/**
 * Parses and checks a ticket request body (raw bytes of the HTTP body).
 *
 * @example parseTicketRequest(Buffer.from('{"filename":"cat.jpg","contentType":"image/jpeg","maxBytes":1048576}'))
 * // => { filename: 'cat.jpg', contentType: 'image/jpeg', maxBytes: 1048576, vars: {} }
 */
export function parseTicketRequest(body: Buffer): TicketRequest {
  if (body.length > MAX_TICKET_REQUEST_BYTES) throw new TicketError('body_too_large', `a ticket request is at most ${MAX_TICKET_REQUEST_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TicketError('body_not_json', 'the body must be a JSON object');
  }
  if (!isObject(parsed)) throw new TicketError('body_not_json', 'the body must be a JSON object');
  const unknown = Object.keys(parsed).filter((name) => !FIELDS.has(name));
  if (unknown.length > 0) throw new TicketError('bad_request', `unknown field(s): ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);

  const request: TicketRequest = { vars: checkVars(parsed.vars) };
  if (parsed.jobId !== undefined) {
    if (typeof parsed.jobId !== 'string') throw new TicketError('bad_job_id', 'jobId must be a string');
    request.jobId = parsed.jobId;
  }
  if ((parsed.key === undefined) === (parsed.filename === undefined)) throw new TicketError('bad_request', 'give exactly one of key and filename');
  if (parsed.key !== undefined) {
    if (typeof parsed.key !== 'string') throw new TicketError('bad_key', 'key must be a string');
    request.key = parsed.key;
  }
  if (parsed.filename !== undefined) {
    if (typeof parsed.filename !== 'string') throw new TicketError('bad_filename', 'filename must be a string');
    request.filename = parsed.filename;
  }
  if (parsed.contentType !== undefined) {
    if (typeof parsed.contentType !== 'string' || parsed.contentType.length > 128 || !CONTENT_TYPE.test(parsed.contentType) || hasControlCharacters(parsed.contentType)) {
      throw new TicketError('bad_content_type', 'contentType must be a media type such as image/jpeg');
    }
    request.contentType = parsed.contentType;
  }
  if (parsed.maxBytes !== undefined) {
    if (typeof parsed.maxBytes !== 'number' || !Number.isSafeInteger(parsed.maxBytes) || parsed.maxBytes < 1) {
      throw new TicketError('bad_max_bytes', 'maxBytes must be a whole number of bytes, at least 1');
    }
    request.maxBytes = parsed.maxBytes;
  }
  return request;
}
