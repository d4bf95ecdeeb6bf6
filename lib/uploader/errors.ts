/**
 * The uploader's errors and the one rule that sorts every failure into permanent
 * (record `failed`, never retry) or transient (retry, then fail the invocation so the
 * queue delivers the job again).
 */
import { CallbackParamsError } from '../protocol/encode';
import { ReasonedError } from '../errors';
import { InvalidJobError } from '../jobs/job';
import { plural } from '../plural';

export type SourceErrorReason =
  | 'source_not_found'
  | 'source_forbidden'
  | 'source_http_error'
  | 'source_address_refused'
  | 'source_url_refused'
  | 'source_too_many_redirects'
  | 'source_host_not_found'
  | 'source_timeout'
  | 'source_network'
  | 'source_truncated'
  | 'source_too_large'
  | 'source_oss_error';

/** A job's source could not be read. `permanent` says whether trying again can help. */
export class SourceError extends ReasonedError<SourceErrorReason> {
  readonly permanent: boolean;

  constructor(reason: SourceErrorReason, message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.permanent = permanent;
  }
}

/**
 * A job that failed for a reason that may pass (5xx, timeouts, network) after its
 * retries: the invocation must fail so the queue delivers it again.
 */
export class TransientJobError extends ReasonedError<'transient_failure'> {
  readonly jobId: string;
  readonly attempts: number;

  constructor(jobId: string, attempts: number, cause: unknown) {
    super('transient_failure', `job ${jobId} failed ${plural(attempts, 'time')} with transient errors; last: ${describeError(cause)}`, { cause });
    this.jobId = jobId;
    this.attempts = attempts;
  }
}

/** What ali-oss throws: `status` is the HTTP status, or -1 (network) / -2 (timeout). */
export interface OssSdkError extends Error {
  status?: number;
  code?: string;
  requestId?: string;
  ecCode?: string;
}

/** ali-oss error names for failures that never got an answer (urllib / ali-oss client.js). */
const NETWORK_ERROR_NAMES = new Set(['ConnectionTimeoutError', 'ResponseTimeoutError', 'RequestError', 'ResponseError', 'SocketAssignTimeoutError']);
/**
 * 4xx codes that are not about the request itself: the STS token expired in flight (the
 * next invocation has fresh credentials), OSS timed out reading a slow body, or throttling.
 */
const TRANSIENT_OSS_CODES = new Set(['SecurityTokenExpired', 'RequestTimeout', 'RequestTimeTooSkewed', 'TooManyRequests', 'Throttling']);
/** Node's socket-level failures. */
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/**
 * Node's codes for a request it refuses to build: a header value or name it will not send
 * (lib/_http_common.js, lib/_http_outgoing.js), a path with characters it will not send
 * (lib/_http_client.js), a URL it cannot parse. The same request fails the same way every
 * time. https://nodejs.org/api/errors.html#nodejs-error-codes
 */
const UNSENDABLE_NODE_CODES = new Set(['ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_HTTP_TOKEN', 'ERR_UNESCAPED_CHARACTERS', 'ERR_INVALID_URL']);
/** What such a refusal is thrown as (Node's codes above are TypeErrors; encodeURIComponent throws URIError). */
const PROGRAMMING_ERROR_NAMES = new Set(['TypeError', 'RangeError', 'URIError']);

/**
 * True for a request that could not be sent at all because of what it holds, a
 * deterministic failure: repeating it fails the same way. Node's own errors carry their
 * code. Through ali-oss they arrive without it: urllib 2.x catches what `http.request`
 * throws while building the request and reports it with status -1
 * (node_modules/urllib/lib/urllib.js, "request headers checker will throw error"), and
 * ali-oss turns that into an Error whose `name` and `code` are the original error's name
 * and `status` is -1 (node_modules/ali-oss/lib/client.js `requestError`, 6.23.0). Network
 * failures there are named RequestError, ResponseError, ConnectionTimeoutError… (urllib
 * renames a plain `Error` from the socket), never TypeError, RangeError or URIError.
 *
 * @example isUnsendableRequest(Object.assign(new Error('Invalid character in header content ["x-oss-meta-a"]'), { name: 'TypeError', status: -1, code: 'TypeError' })) // => true
 */
export function isUnsendableRequest(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as OssSdkError;
  if (typeof e.code === 'string' && UNSENDABLE_NODE_CODES.has(e.code)) return true;
  if (error instanceof URIError) return true;
  return e.status === -1 && PROGRAMMING_ERROR_NAMES.has(e.name);
}

/** True for an ali-oss 203 CallbackFailed: the object is stored, only the callback failed. */
export function isCallbackFailed(error: unknown): error is OssSdkError {
  const e = error as OssSdkError | undefined;
  return typeof e === 'object' && e !== null && (e.status === 203 || e.name === 'CallbackFailedError');
}

/**
 * Whether a failure may pass on its own. Source errors say so themselves; invalid jobs
 * and callback parameters OSS would refuse never pass; OSS answers are sorted by status
 * and code; anything unrecognised counts as transient, so a job is never written off
 * because of a failure we did not understand (the queue's retry limit bounds it).
 *
 * @example isTransient(Object.assign(new Error('x'), { status: 503 })) // => true
 * @example isTransient(Object.assign(new Error('x'), { status: 403, code: 'AccessDenied' })) // => false
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof SourceError) return !error.permanent;
  if (error instanceof InvalidJobError || error instanceof CallbackParamsError) return false;
  // Before the status check: ali-oss reports these with status -1, as it does network errors.
  if (isUnsendableRequest(error)) return false;
  // The object is stored: repeating the upload would not change what the callback does.
  if (isCallbackFailed(error)) return false;
  if (typeof error !== 'object' || error === null) return true;
  const e = error as OssSdkError;
  if (typeof e.status === 'number') {
    if (e.status === -1 || e.status === -2 || e.status >= 500 || e.status === 429) return true;
    if (e.status >= 400) return e.code !== undefined && TRANSIENT_OSS_CODES.has(e.code);
  }
  if (NETWORK_ERROR_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_NODE_CODES.has(e.code)) return true;
  return !(e instanceof ReasonedError);
}

/**
 * A short, secret-free description for records and logs: `Code: message` for OSS
 * answers, the message otherwise.
 *
 * @example describeError(ossError) // => 'NoSuchBucket: The specified bucket does not exist. (HTTP 404)'
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as OssSdkError;
  const message = e.message.split('\n')[0] ?? '';
  if (typeof e.status === 'number' && e.code && !(error instanceof ReasonedError)) return `${e.code}: ${message} (HTTP ${e.status})`;
  return message;
}

/** The machine-readable reason of a failure, for summaries and logs. */
export function reasonOf(error: unknown): string {
  if (error instanceof ReasonedError) return error.reason;
  if (isUnsendableRequest(error)) return 'request_not_sendable';
  const e = error as OssSdkError | undefined;
  // Records keep reasons as 1–128 of [A-Za-z0-9_.:-] (lib/store/row.ts).
  if (e && typeof e.code === 'string' && e.code !== '') return `oss_${e.code.replace(/[^A-Za-z0-9_.:-]/g, '_')}`.slice(0, 128);
  return 'unknown';
}
