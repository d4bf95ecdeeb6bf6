/**
 * What the callback function answers OSS, and the one place where every error becomes
 * an answer. Every refusal is a JSON body `{error: <reason>, message}` with a 4xx status
 * and writes nothing; a store failure is a 503, which OSS reports to the uploader as
 * CallbackFailed (the uploader then records the job itself); a bad setting is a 500
 * naming the setting, never its value.
 */
import { ConfigError, ReasonedError } from '../errors';
import { FcEventError } from '../fc/http-event';
import { JobTokenError } from '../protocol/token';
import { StoreError } from '../store/errors';
import { CallbackPayloadError } from './payload';
import { CallbackVerificationError } from './verify';

/** What to answer, and what to log about it. */
export interface CallbackAnswer {
  status: number;
  body: Record<string, unknown>;
  /** `recorded`, `already_recorded`, or the refusal's reason. */
  outcome: string;
  jobId?: string;
}

export type CallbackRefusalReason = 'method_not_allowed' | 'bucket_not_allowed' | 'job_id_missing' | 'body_too_large' | 'query_not_allowed';

/** A request the callback refuses for a reason of its own (not the signature, payload or token). */
export class CallbackRefusal extends ReasonedError<CallbackRefusalReason> {}

/** Status for each refusal reason: 413 too large, 405 method, 400 malformed, 403 the rest. */
function statusFor(error: ReasonedError): number {
  if (error.reason === 'body_too_large') return 413;
  if (error.reason === 'method_not_allowed') return 405;
  if (error instanceof CallbackPayloadError || error instanceof FcEventError || error.reason === 'job_id_missing') return 400;
  return 403;
}

/**
 * The answer for an error thrown while handling a request; `jobId` once the job token
 * has named it. Anything unexpected is a 500 that says nothing about the error.
 *
 * @example answerFor(new CallbackRefusal('method_not_allowed', 'callbacks are POST requests, not GET')) // { status: 405, outcome: 'method_not_allowed', body: { error: 'method_not_allowed', message: '…' } }
 */
export function answerFor(error: unknown, jobId?: string): CallbackAnswer {
  const job = jobId ? { jobId } : {};
  if (error instanceof StoreError) {
    return { status: 503, outcome: 'store_unavailable', ...job, body: { error: 'store_unavailable', message: 'the result could not be recorded; try again later' } };
  }
  if (error instanceof ConfigError) return { status: 500, outcome: 'misconfigured', body: { error: 'misconfigured', message: error.message } };
  if (
    error instanceof CallbackVerificationError ||
    error instanceof CallbackPayloadError ||
    error instanceof JobTokenError ||
    error instanceof CallbackRefusal ||
    error instanceof FcEventError
  ) {
    return { status: statusFor(error), outcome: error.reason, ...job, body: { error: error.reason, message: error.message } };
  }
  return { status: 500, outcome: 'internal_error', body: { error: 'internal_error', message: 'the callback could not be handled' } };
}
