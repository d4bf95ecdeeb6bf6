import { ReasonedError } from '../errors';
import { decodeOtsErrorBody, decodeOtsErrorFromSdkMessage } from './ots-error';

/**
 * Why a store call failed.
 * - `throttled`: Tablestore refused for load (OTSServerBusy, …) on every attempt.
 * - `unavailable`: the service could not be reached or failed on its side (5xx, network).
 * - `timeout`: the call's deadline passed (or Tablestore reported OTSTimeout).
 * - `rejected`: Tablestore refused the request itself (auth, parameters, missing table…).
 * - `condition_failed`: a write condition did not hold where the store did not expect it.
 * - `not_found`: the job has no record where one was required.
 * - `invalid_outcome`: the caller passed something that cannot be recorded.
 * - `corrupt_row`: a stored row does not have the shape of a record.
 * - `schema_mismatch`: the table exists with a different primary key.
 */
export type StoreErrorReason =
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'rejected'
  | 'condition_failed'
  | 'not_found'
  | 'invalid_outcome'
  | 'corrupt_row'
  | 'schema_mismatch';

/** Error of every RecordStore call. `retryable` says whether trying again later may help. */
export class StoreError extends ReasonedError<StoreErrorReason> {
  /** Tablestore error code (`OTSConditionCheckFail`, …) or the network/SDK code. */
  readonly code?: string;
  /** `x-ots-request-id` of the failed request, for support tickets. */
  readonly requestId?: string;
  /** HTTP status of Tablestore's answer, when there was one. */
  readonly status?: number;
  readonly retryable: boolean;

  constructor(
    reason: StoreErrorReason,
    message: string,
    details: { code?: string; requestId?: string; status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(reason, message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.code !== undefined) this.code = details.code;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.status !== undefined) this.status = details.status;
    this.retryable = details.retryable ?? (reason === 'throttled' || reason === 'unavailable' || reason === 'timeout');
  }
}

/**
 * When a failed attempt may be repeated:
 * - `not_applied`: the service certainly did nothing (throttled, connection refused): always safe.
 * - `maybe_applied`: the request may have taken effect (5xx, timeout, reset): safe only for
 *   requests whose repetition changes nothing (reads, plain PUTs; not INCREMENT).
 * - `final`: repeating cannot help.
 */
export type RetryClass = 'not_applied' | 'maybe_applied' | 'final';

/** A failed attempt, as the retry loop sees it. */
export interface ClassifiedFailure {
  error: StoreError;
  retry: RetryClass;
}

/** What the client's listener captures from the HTTP answer before the SDK stringifies it. */
export interface CapturedResponse {
  status: number;
  body: Buffer;
  requestId?: string;
}

/** Set by the client on a network error that happened on a reused keep-alive socket. */
export const REUSED_SOCKET = Symbol('tablestore.reusedSocket');

/** Property under which the client attaches the captured answer to the SDK's error. */
export const CAPTURED_RESPONSE = Symbol('tablestore.capturedResponse');

// Error codes and retry guidance: https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes
// and the SDK's own lists (node_modules/tablestore/lib/retry/retry_util.js).
const THROTTLING = new Set(['OTSServerBusy', 'OTSNotEnoughCapacityUnit', 'OTSOperationThrottled', 'OTSCapacityUnitExhausted']);
// Refused before any change: retrying is safe for every request.
const UNAVAILABLE_NOT_APPLIED = new Set(['OTSPartitionUnavailable', 'OTSTableNotReady', 'OTSRowOperationConflict']);
// The service failed while working: the change may or may not have been made.
const MAYBE_APPLIED = new Set(['OTSInternalServerError', 'OTSServerUnavailable', 'OTSTimeout']);

interface SdkErrorShape {
  code?: unknown;
  message?: unknown;
  errno?: unknown;
  syscall?: unknown;
  headers?: Record<string, unknown>;
  [CAPTURED_RESPONSE]?: CapturedResponse;
  [REUSED_SOCKET]?: boolean;
}

/**
 * Turns whatever the SDK rejected with into a StoreError plus its retry class.
 *
 * @example
 * const { error, retry } = classifySdkError(err, 'PutRow');
 * // error.code === 'OTSServerBusy', error.reason === 'throttled', retry === 'not_applied'
 */
export function classifySdkError(err: unknown, operation: string): ClassifiedFailure {
  const e: SdkErrorShape = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : { message: String(err) };
  const captured = e[CAPTURED_RESPONSE];
  const sdkMessage = typeof e.message === 'string' ? e.message : '';

  if (captured) {
    const body = decodeOtsErrorBody(captured.body);
    const requestId = captured.requestId || undefined;
    return fromServiceAnswer(operation, captured.status, body?.code, body?.message, requestId, err);
  }

  // An HTTP answer whose body the listener did not see: the SDK's `code` is the status.
  if (typeof e.code === 'number') {
    const body = decodeOtsErrorFromSdkMessage(sdkMessage);
    const requestId = headerString(e.headers, 'x-ots-request-id') ?? headerString(e.headers, 'x-ots-requestid');
    return fromServiceAnswer(operation, e.code, body?.code, body?.message, requestId, err);
  }

  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'TimeoutError') {
    // The SDK's socket timeout (httpOptions.timeout): the request may have been served.
    return {
      error: new StoreError('timeout', `Tablestore ${operation} timed out: ${sdkMessage}`, { code, cause: err }),
      retry: 'maybe_applied',
    };
  }
  if (code === 'NetworkingError') {
    // Failing to connect means nothing was sent. A reset of a reused keep-alive socket
    // before any answer is the server closing an idle connection as our request arrived
    // (https://nodejs.org/api/http.html#requestreusedsocket). Any other failure is ambiguous.
    const staleSocket = e[REUSED_SOCKET] === true && /ECONNRESET|socket hang up/.test(sdkMessage);
    const retry: RetryClass = e.syscall === 'connect' || staleSocket ? 'not_applied' : 'maybe_applied';
    return {
      error: new StoreError('unavailable', `Tablestore ${operation} could not reach the service: ${sdkMessage}`, { code, cause: err }),
      retry,
    };
  }
  // Anything else was thrown while building the request (bad parameters): a bug, not weather.
  return {
    error: new StoreError('rejected', `Tablestore ${operation} request could not be made: ${sdkMessage || String(err)}`, {
      ...(code ? { code } : {}),
      retryable: false,
      cause: err,
    }),
    retry: 'final',
  };
}

/**
 * One row's failure inside a BatchWriteRow answer (HTTP 200, `is_ok` false): the same
 * codes as a whole request's, without an HTTP status of their own. The BatchWriteRow
 * reference says a batch can fail row by row while the answer is still 200, and that each
 * row must be checked (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow, read 2026-12-02).
 *
 * @example classifyRowError('BatchWriteRow', 'OTSServerBusy', 'Server is busy.') // => { error: throttled, retry: 'not_applied' }
 */
export function classifyRowError(operation: string, code: string | undefined, message: string | undefined): ClassifiedFailure {
  return fromServiceAnswer(operation, undefined, code, message, undefined, undefined);
}

function fromServiceAnswer(
  operation: string,
  status: number | undefined,
  code: string | undefined,
  otsMessage: string | undefined,
  requestId: string | undefined,
  cause: unknown,
): ClassifiedFailure {
  const details = { ...(status !== undefined ? { status } : {}), ...(cause !== undefined ? { cause } : {}), ...(code ? { code } : {}), ...(requestId ? { requestId } : {}) };
  const text = `Tablestore ${operation} failed ${status !== undefined ? `with HTTP ${status}` : 'for a row'}${code ? ` ${code}` : ''}${otsMessage ? `: ${otsMessage}` : ''}${
    requestId ? ` (request id ${requestId})` : ''
  }`;
  if (code !== undefined && THROTTLING.has(code)) return { error: new StoreError('throttled', text, details), retry: 'not_applied' };
  if (code === 'OTSQuotaExhausted' && otsMessage === 'Too frequent table operations.') {
    return { error: new StoreError('throttled', text, details), retry: 'not_applied' };
  }
  if (code !== undefined && UNAVAILABLE_NOT_APPLIED.has(code)) return { error: new StoreError('unavailable', text, details), retry: 'not_applied' };
  if (code === 'OTSTimeout') return { error: new StoreError('timeout', text, details), retry: 'maybe_applied' };
  if ((code !== undefined && MAYBE_APPLIED.has(code)) || (status ?? 0) >= 500) {
    return { error: new StoreError('unavailable', text, details), retry: 'maybe_applied' };
  }
  if (code === 'OTSConditionCheckFail') return { error: new StoreError('condition_failed', text, details), retry: 'final' };
  return { error: new StoreError('rejected', text, details), retry: 'final' };
}

function headerString(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
