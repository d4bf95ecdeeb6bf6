/**
 * The uploader's errors and the one rule that sorts every failure into permanent
 * (record `failed`, never retry) or transient (retry, then fail the invocation so the
 * queue delivers the job again).
 */
import { CallbackParamsError } from '../callback/encode';
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
  const e = error as OssSdkError | undefined;
  if (e && typeof e.code === 'string' && e.code !== '') return `oss_${e.code}`;
  return 'unknown';
}
