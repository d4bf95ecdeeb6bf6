/**
 * Uploading one job to OSS with the callback headers, and sorting what happened into the
 * outcomes of the data flow (docs/architecture.md#data-flow):
 * - 200: stored and the callback recorded it → `uploaded` (the callback's JSON is kept);
 * - 203 CallbackFailed: stored, not recorded → HEAD the object, `stored_unconfirmed`;
 * - a permanent error (source missing or refused, AccessDenied, NoSuchBucket,
 *   InvalidArgument, callback parameters OSS would refuse) → `failed` with the reason;
 * - a transient error → the job is tried again (the source reopened) with back-off, and
 *   after the last attempt TransientJobError is thrown.
 *
 * Small sources (length ≤ threshold, or unknown and ending within it) are buffered and
 * sent in one PutObject; larger ones go by multipart with bounded memory.
 */
import { CallbackParamsError, type CallbackHeaders } from '../protocol/encode';
import type { Job } from '../jobs/job';
import type { OssObjectClient } from './oss-client';
import { bareEtag, type Outcome } from '../records/record';
import { ByteReader } from './byte-reader';
import { callbackAnswer } from './callback-answer';
import { callbackHeadersFor } from './callback-params';
import type { UploadSettings } from './config';
import { describeError, isCallbackFailed, isTransient, reasonOf, TransientJobError, type OssSdkError } from './errors';
import { CompletionUnconfirmedError, uploadMultipart } from './multipart';
import { setTimeout as realSleep } from 'node:timers/promises';
import { retryDelay, withRetries, type Sleep } from './retry';
import { openSource } from './sources';
import type { Resolver } from './url-source';

/** What uploading a job came to (transient failures are thrown instead). */
export type UploadResult =
  | { kind: 'uploaded'; bucket: string; key: string; bytes: number; multipart: boolean; callback: unknown }
  | { kind: 'stored_unconfirmed'; bytes: number; multipart: boolean; outcome: Outcome }
  | { kind: 'failed'; reason: string; outcome: Outcome };

/** What uploading needs. */
export interface UploadDeps {
  ossFor: (bucket: string) => OssObjectClient;
  settings: UploadSettings;
  defaultBucket: string;
  callbackUrl: string;
  tokenSecrets: readonly string[];
  /** Name resolution for url sources (tests); the system resolver when absent. */
  resolve?: Resolver;
  sleep?: Sleep;
}

interface Stored {
  data: unknown;
  bytes: number;
  multipart: boolean;
}

/** Thrown by an attempt whose object is stored but whose callback did not confirm it. */
interface Unconfirmed {
  error: unknown;
  bytes: number;
  multipart: boolean;
}

class StoredUnconfirmed extends Error {
  constructor(readonly detail: Unconfirmed) {
    super('stored, callback unconfirmed');
  }
}

const GENERIC_TYPES = new Set(['application/octet-stream', 'binary/octet-stream']);

function objectHeaders(job: Job, sourceType: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  // The job's type wins; then the source's, unless it is the generic one, where ali-oss's
  // guess from the key's extension is better.
  const type = job.contentType ?? (sourceType && !GENERIC_TYPES.has(sourceType.split(';')[0]!.trim().toLowerCase()) ? sourceType : undefined);
  if (type) headers['Content-Type'] = type;
  for (const [name, value] of Object.entries(job.metadata ?? {})) headers[`x-oss-meta-${name.toLowerCase()}`] = value;
  return headers;
}

async function attempt(job: Job, key: string, client: OssObjectClient, callbackHeaders: CallbackHeaders, deps: UploadDeps, sleep: Sleep): Promise<Stored> {
  const { settings } = deps;
  const opened = await openSource(job.source, {
    settings: settings.source,
    ossFor: deps.ossFor,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  const reader = new ByteReader(opened.stream, opened.length);
  const headers = objectHeaders(job, opened.contentType);
  const threshold = settings.multipartThresholdBytes;
  let multipart = false;
  try {
    if (opened.length === undefined || opened.length <= threshold) {
      const head = await reader.read(threshold + 1);
      if (head.length <= threshold) {
        const data = await callbackAnswer(client.put(key, head, { headers: { ...headers, ...callbackHeaders } }));
        return { data, bytes: head.length, multipart };
      }
      reader.unshift(head);
    }
    multipart = true;
    const result = await uploadMultipart({
      client,
      key,
      reader,
      partSize: settings.partSizeBytes,
      partConcurrency: settings.partConcurrency,
      headers,
      callbackHeaders,
      retry: settings.retry,
      sleep,
    });
    return { data: result.data, bytes: result.bytes, multipart };
  } catch (error) {
    if (isCallbackFailed(error) || error instanceof CompletionUnconfirmedError) {
      throw new StoredUnconfirmed({ error, bytes: reader.bytesRead, multipart });
    }
    throw error;
  } finally {
    reader.destroy();
  }
}

function baseOutcome(job: Job, bucket: string, key: string): Pick<Outcome, 'jobId' | 'bucket' | 'object' | 'vars'> {
  return { jobId: job.jobId, bucket, object: key, ...(job.vars && Object.keys(job.vars).length > 0 ? { vars: job.vars } : {}) };
}

async function unconfirmedOutcome(job: Job, bucket: string, key: string, client: OssObjectClient, detail: Unconfirmed, deps: UploadDeps, sleep: Sleep): Promise<Outcome> {
  const cause = detail.error as OssSdkError;
  const outcome: Outcome = {
    ...baseOutcome(job, bucket, key),
    status: 'stored_unconfirmed',
    recordedBy: 'uploader',
    operation: detail.multipart ? 'CompleteMultipartUpload' : 'PutObject',
    error: cause instanceof CompletionUnconfirmedError ? cause.message : `callback failed: ${describeError(cause)}`,
    reason: cause instanceof CompletionUnconfirmedError ? cause.reason : 'callback_failed',
  };
  if (cause.requestId) outcome.ossRequestId = cause.requestId;
  try {
    // The object is there; what OSS says of it is better than what we think we sent.
    const head = await withRetries(() => client.head(key), deps.settings.retry, isTransient, sleep);
    const h = head.res.headers as Record<string, string | undefined>;
    if (h.etag) outcome.etag = bareEtag(h.etag);
    if (h['content-length'] && /^\d+$/.test(h['content-length'])) outcome.size = Number(h['content-length']);
    if (h['content-type']) outcome.mimeType = h['content-type'];
    if (h['x-oss-hash-crc64ecma']) outcome.crc64 = h['x-oss-hash-crc64ecma'];
    if (h['content-md5']) outcome.contentMd5 = h['content-md5'];
  } catch (error) {
    outcome.size = detail.bytes;
    outcome.error += `; HEAD failed: ${describeError(error)}`;
  }
  return outcome;
}

function failedOutcome(job: Job, bucket: string, key: string, error: unknown): Outcome {
  return { ...baseOutcome(job, bucket, key), status: 'failed', recordedBy: 'uploader', error: describeError(error), reason: reasonOf(error) };
}

/**
 * Uploads one job and says what came of it. Throws TransientJobError when every attempt
 * failed transiently (the caller lets the invocation fail so the job comes again).
 *
 * @example
 * const result = await uploadJob(job, { ossFor: (b) => clients.forBucket(b), settings: config.upload, defaultBucket, callbackUrl, tokenSecrets });
 * if (result.kind === 'uploaded') console.log(result.callback); // { jobId, status: 'uploaded', … }
 */
export async function uploadJob(job: Job, deps: UploadDeps): Promise<UploadResult> {
  const sleep = deps.sleep ?? realSleep;
  const bucket = job.target.bucket ?? deps.defaultBucket;
  const key = job.target.key;
  const client = deps.ossFor(bucket);

  let callbackHeaders: CallbackHeaders;
  try {
    callbackHeaders = callbackHeadersFor({ jobId: job.jobId, bucket, key, vars: job.vars ?? {}, callbackUrl: deps.callbackUrl, tokenSecrets: deps.tokenSecrets });
  } catch (error) {
    if (!(error instanceof CallbackParamsError)) throw error;
    return { kind: 'failed', reason: error.reason, outcome: failedOutcome(job, bucket, key, error) };
  }

  const attempts = deps.settings.retry.attempts;
  for (let n = 1; ; n += 1) {
    try {
      const stored = await attempt(job, key, client, callbackHeaders, deps, sleep);
      return { kind: 'uploaded', bucket, key, bytes: stored.bytes, multipart: stored.multipart, callback: stored.data };
    } catch (error) {
      if (error instanceof StoredUnconfirmed) {
        const outcome = await unconfirmedOutcome(job, bucket, key, client, error.detail, deps, sleep);
        return { kind: 'stored_unconfirmed', bytes: error.detail.bytes, multipart: error.detail.multipart, outcome };
      }
      if (!isTransient(error)) return { kind: 'failed', reason: reasonOf(error), outcome: failedOutcome(job, bucket, key, error) };
      if (n >= attempts) throw new TransientJobError(job.jobId, n, error);
      await sleep(retryDelay(deps.settings.retry, n));
    }
  }
}
