/**
 * What the callback function does with one request, independent of FC: verify OSS's
 * signature, read the payload, check the bucket and the job token, record the upload,
 * and say what to answer (answer.ts turns every failure into its answer).
 */
import { JOB_ID_PATTERN } from '../jobs/job';
import { bareEtag, type Outcome, type JobRecord } from '../records/record';
import { answerFor, CallbackRefusal, type CallbackAnswer } from './answer';
import type { CallbackConfig } from './config';
import { parseCallbackPayload, type CallbackPayload } from './payload';
import { PublicKeyCache } from './public-key';
import { JOB_ID_VAR, JOB_VAR_PREFIX, TOKEN_VAR, verifyJobToken } from '../protocol/token';
import { verifyOssCallback, type CallbackRequest } from './verify';

/** The one store operation the callback needs (RecordStore satisfies it). */
export interface CallbackStore {
  record(outcome: Outcome, options?: { countDelivery?: boolean }): Promise<{ record: JobRecord; applied: boolean }>;
}

/** The request as the FC adapter hands it over. */
export interface ReceivedRequest extends CallbackRequest {
  method: string;
}

/**
 * Keys are held as KeyObjects across the requests of an instance: one cache (with its
 * fetch limit) per configuration, and an instance reads its configuration once.
 */
const keyCaches = new WeakMap<CallbackConfig, PublicKeyCache>();

function keyCacheFor(config: CallbackConfig): PublicKeyCache {
  let cache = keyCaches.get(config);
  if (cache === undefined) keyCaches.set(config, (cache = new PublicKeyCache({ fetchesPerMinute: config.keyFetchesPerMinute })));
  return cache;
}

/**
 * The job's own vars a callback carries: every `x:var_<name>` field, by `<name>`. The
 * job token covers exactly these (token.ts), and the record stores exactly these.
 *
 * @example jobVarsOf({ 'x:job_id': 'j1', 'x:var_user': 'u1' }) // => { user: 'u1' }
 */
export function jobVarsOf(payloadVars: Readonly<Record<string, string>>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(payloadVars)) {
    if (key.startsWith(JOB_VAR_PREFIX)) vars[key.slice(JOB_VAR_PREFIX.length)] = value;
  }
  return vars;
}

/**
 * The record a verified callback writes: `uploaded`, recorded by the callback, with every
 * field OSS filled and the job's own vars (their `x:var_` prefix stripped).
 *
 * @example store.record(callbackOutcome(payload, 'inv-1', verified.requestId))
 */
export function callbackOutcome(payload: CallbackPayload, jobId: string, requestId?: string): Outcome {
  const vars = jobVarsOf(payload.vars);
  const outcome: Outcome = {
    jobId,
    status: 'uploaded',
    recordedBy: 'callback',
    bucket: payload.bucket,
    object: payload.object,
    etag: bareEtag(payload.etag),
    size: payload.size,
    vars,
  };
  if (payload.mimeType !== undefined) outcome.mimeType = payload.mimeType;
  if (payload.crc64 !== undefined) outcome.crc64 = payload.crc64;
  if (payload.contentMd5 !== undefined) outcome.contentMd5 = payload.contentMd5;
  const ossRequestId = payload.reqId ?? requestId;
  if (ossRequestId !== undefined) outcome.ossRequestId = ossRequestId;
  if (payload.clientIp !== undefined) outcome.clientIp = payload.clientIp;
  if (payload.operation !== undefined) outcome.operation = payload.operation;
  return outcome;
}

/**
 * Handles one callback request. Never throws: every failure becomes an answer.
 *
 * @example
 * const answer = await receiveCallback({ method: 'POST', path: '/', headers, body }, config, store);
 * // answer.status === 200, answer.body => { jobId: 'inv-1', status: 'uploaded', etag: '"…"', size: 42 }
 */
export async function receiveCallback(req: ReceivedRequest, config: CallbackConfig, store: CallbackStore): Promise<CallbackAnswer> {
  let jobId: string | undefined;
  try {
    if (req.method !== 'POST') throw new CallbackRefusal('method_not_allowed', `callbacks are POST requests, not ${req.method}`);
    const verified = await verifyOssCallback(
      { ...req, path: config.signedPathPrefix + req.path },
      { allowedKeyUrlPrefixes: config.keyUrlPrefixes, keyCache: keyCacheFor(config) },
    );
    const payload = parseCallbackPayload(verified.body, verified.contentType);
    if (config.allowedBuckets && !config.allowedBuckets.has(payload.bucket)) {
      throw new CallbackRefusal('bucket_not_allowed', `callbacks for bucket ${payload.bucket} are not accepted`);
    }
    const claimed = payload.vars[JOB_ID_VAR];
    if (claimed === undefined || !JOB_ID_PATTERN.test(claimed)) throw new CallbackRefusal('job_id_missing', `the callback carries no valid ${JOB_ID_VAR} variable`);
    verifyJobToken(config.tokenSecrets, { jobId: claimed, bucket: payload.bucket, key: payload.object, vars: jobVarsOf(payload.vars) }, payload.vars[TOKEN_VAR]);
    jobId = claimed;
    // A record is final once `uploaded`: a later callback for the job (a replay, or one
    // carrying other values) writes nothing and is answered with what is stored.
    const { record, applied } = await store.record(callbackOutcome(payload, jobId, verified.requestId));
    return {
      status: 200,
      outcome: applied ? 'recorded' : 'already_recorded',
      jobId,
      body: { jobId, status: record.status, ...(record.etag !== undefined ? { etag: record.etag } : {}), ...(record.size !== undefined ? { size: record.size } : {}) },
    };
  } catch (error) {
    return answerFor(error, jobId);
  }
}
