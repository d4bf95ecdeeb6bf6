/**
 * Handling a batch of deliveries: each job validated, claimed (a lease on its row, so no
 * other invocation uploads it at the same time), uploaded and recorded, with bounded
 * concurrency. Every delivery ends in a record, an invalid one included. One job's
 * transient failure never stops the others: they finish, and then the batch fails as a
 * whole so the queue delivers it again; the jobs already done are then only counted.
 *
 * Store calls are made per batch where they can be: every job's claim in one batched
 * write before the uploads, every uploaded job's delivery count in one after them
 * (lib/store/batch-claim.ts). Per job there remains only the callback's own write.
 */
import { randomUUID } from 'node:crypto';
import type { Delivery } from '../jobs/delivery';
import { ReasonedError } from '../errors';
import { log } from '../log';
import { plural } from '../plural';
import type { Outcome } from '../records/record';
import type { ClaimResult, Lease } from '../store/lease';
import type { PerJob } from '../store/batch-claim';
import { StoreError } from '../store/errors';
import type { RecordStore } from '../store/store';
import { describeError, reasonOf } from './errors';
import { uploadJob, type UploadDeps } from './upload';

/** What became of one delivery. `retry_later` only appears in a BatchIncompleteError's summary. */
export type JobOutcome = 'uploaded' | 'stored_unconfirmed' | 'failed' | 'skipped_already_uploaded' | 'invalid' | 'retry_later';

export interface JobReport {
  index: number;
  jobId?: string;
  messageId?: string;
  outcome: JobOutcome;
  ms: number;
  /** Bytes read from the source, when an upload ran. */
  bytes?: number;
  /** Machine-readable reason of a failure. */
  reason?: string;
  error?: string;
}

/** The handler's answer: one report per delivery, in delivery order. */
export interface BatchSummary {
  requestId?: string;
  total: number;
  counts: Record<JobOutcome, number>;
  jobs: JobReport[];
}

/** Some jobs failed transiently: the invocation must fail so the batch comes again. */
export class BatchIncompleteError extends ReasonedError<'batch_incomplete'> {
  constructor(readonly summary: BatchSummary) {
    const pending = summary.jobs.filter((j) => j.outcome === 'retry_later');
    const ids = pending.map((j) => `${j.jobId ?? `#${j.index}`}${j.reason ? ` (${j.reason})` : ''}`).join(', ');
    super('batch_incomplete', `${pending.length} of ${plural(summary.total, 'job')} could not finish now and must be delivered again: ${ids}`);
  }
}

/** Another invocation holds the job's lease: this delivery must come again later. */
export class JobInProgressError extends ReasonedError<'job_in_progress'> {
  constructor(jobId: string, lease?: Lease) {
    const holder = lease ? ` (invocation ${lease.owner}, until ${new Date(lease.until).toISOString()})` : '';
    super('job_in_progress', `job ${jobId} is being uploaded by another invocation${holder}; this delivery comes again later`);
  }
}

/** The store operations the uploader uses. */
export type UploaderStore = Pick<RecordStore, 'claim' | 'claimMany' | 'countUploaded' | 'countUploadedMany' | 'release' | 'record'>;

export interface ProcessDeps {
  store: UploaderStore;
  upload: UploadDeps;
  /** Jobs handled at once. */
  concurrency: number;
  /** FC request id, for logs and the summary. */
  requestId?: string;
  /**
   * The lease this invocation takes on each job before uploading it: its owner (the
   * request id) and when the invocation ends at the latest. Default: the request id (or a
   * random id) for 10 minutes, the uploader's timeout in s.yaml.
   */
  lease?: Lease;
}

const DEFAULT_LEASE_MS = 10 * 60 * 1000;

const LEVEL: Record<JobOutcome, 'info' | 'warn' | 'error'> = {
  uploaded: 'info',
  skipped_already_uploaded: 'info',
  stored_unconfirmed: 'warn',
  failed: 'warn',
  invalid: 'warn',
  retry_later: 'error',
};

/** What a delivery came to: a final report, or an upload whose delivery count is still due. */
type Handled = { kind: 'done'; report: Omit<JobReport, 'index' | 'ms'> } | { kind: 'count'; jobId: string; bytes: number; bucket: string; key: string; multipart: boolean };

const done = (report: Omit<JobReport, 'index' | 'ms'>): Handled => ({ kind: 'done', report });

async function handleDelivery(delivery: Delivery, deps: ProcessDeps, lease: Lease, batchClaim: PerJob<ClaimResult> | undefined): Promise<Handled> {
  const { store } = deps;
  if (!delivery.job) {
    // Recorded under the job's id when it had a usable one, else under `invalid-…`.
    const error = delivery.error!;
    const jobId = delivery.recordId;
    await store.record({ jobId, status: 'failed', recordedBy: 'uploader', error: error.message, reason: error.reason }, { countDelivery: true });
    return done({ jobId, outcome: 'invalid', reason: error.reason, error: error.message });
  }

  const job = delivery.job;
  // The batch claimed the first delivery of each job already; a later delivery of the same
  // job in this batch claims on its own once the earlier one has finished.
  let claim: ClaimResult;
  if (batchClaim === undefined) claim = await store.claim(job.jobId, lease);
  else if (batchClaim.ok) claim = batchClaim.value;
  else throw batchClaim.error;
  if (claim.kind === 'uploaded') return done({ jobId: job.jobId, outcome: 'skipped_already_uploaded' });
  if (claim.kind === 'held') throw new JobInProgressError(job.jobId, claim.lease);
  try {
    return await uploadClaimed(job.jobId, delivery, deps);
  } catch (error) {
    // This delivery comes again: give the job back so the next one need not wait for the
    // lease to run out. If this fails too, the lease still ends with the invocation's time.
    await store.release(job.jobId, lease.owner).catch(() => undefined);
    throw error;
  }
}

async function uploadClaimed(jobId: string, delivery: Delivery, deps: ProcessDeps): Promise<Handled> {
  const { store } = deps;
  const job = delivery.job!;
  const result = await uploadJob(job, deps.upload);
  const finished = { countDelivery: true, releaseLease: true };
  switch (result.kind) {
    case 'uploaded':
      // The callback wrote the record; this delivery only needs counting (and the lease
      // dropped), which the batch does for all its uploads at once at the end.
      return { kind: 'count', jobId, bytes: result.bytes, bucket: result.bucket, key: result.key, multipart: result.multipart };
    case 'stored_unconfirmed':
      await store.record(result.outcome, finished);
      return done({ jobId, outcome: 'stored_unconfirmed', bytes: result.bytes, reason: 'callback_failed', error: result.outcome.error! });
    case 'failed':
      await store.record(result.outcome, finished);
      return done({ jobId, outcome: 'failed', reason: result.reason, error: result.outcome.error! });
  }
}

/**
 * After an upload whose callback answered 200 but whose count found no `uploaded` record:
 * OSS got a 200 from something at CALLBACK_URL that did not record the job (a misrouted
 * URL). The object is stored, so say so rather than lose the job.
 */
async function recordUnconfirmed(pending: Extract<Handled, { kind: 'count' }>, delivery: Delivery, store: UploaderStore): Promise<Omit<JobReport, 'index' | 'ms'>> {
  const job = delivery.job!;
  const outcome: Outcome = {
    jobId: pending.jobId,
    status: 'stored_unconfirmed',
    recordedBy: 'uploader',
    bucket: pending.bucket,
    object: pending.key,
    size: pending.bytes,
    operation: pending.multipart ? 'CompleteMultipartUpload' : 'PutObject',
    error: 'the callback answered 200 but wrote no record',
    reason: 'callback_not_recorded',
    ...(job.vars && Object.keys(job.vars).length > 0 ? { vars: job.vars } : {}),
  };
  await store.record(outcome, { countDelivery: true, releaseLease: true });
  return { jobId: pending.jobId, outcome: 'stored_unconfirmed', bytes: pending.bytes, reason: 'callback_not_recorded', error: outcome.error! };
}

/** Every job's result, or the same error for all when the batch call failed as a whole. */
async function perJob<T>(jobIds: readonly string[], call: () => Promise<Map<string, PerJob<T>>>): Promise<Map<string, PerJob<T>>> {
  if (jobIds.length === 0) return new Map();
  try {
    return await call();
  } catch (error) {
    const failed: PerJob<T> = { ok: false, error: error instanceof StoreError ? error : new StoreError('unavailable', describeError(error), { cause: error }) };
    return new Map(jobIds.map((id) => [id, failed]));
  }
}

/**
 * Handles every delivery, at most `deps.concurrency` at once (deliveries of the same job
 * id one after another, in batch order), logging one JSON line per job. Resolves with
 * the summary when every job reached a final outcome; otherwise, after all jobs have
 * finished, rejects with BatchIncompleteError carrying the summary.
 *
 * @example
 * const summary = await processDeliveries(deliveriesFromEvent(event), { store, upload, concurrency: 4, requestId });
 * // => { total: 2, counts: { uploaded: 1, invalid: 1, … }, jobs: [{ index: 0, jobId: 'inv-1', outcome: 'uploaded', ms: 120 }, …] }
 */
export async function processDeliveries(deliveries: readonly Delivery[], deps: ProcessDeps): Promise<BatchSummary> {
  const lease = deps.lease ?? { owner: deps.requestId || randomUUID(), until: Date.now() + DEFAULT_LEASE_MS };
  const reports: JobReport[] = new Array<JobReport>(deliveries.length);

  // One batched claim for the first delivery of every job in the batch (store calls per
  // batch, not per job: lib/store/batch-claim.ts).
  const firstOf = new Map<string, number>();
  deliveries.forEach((d, position) => {
    if (d.job && !firstOf.has(d.job.jobId)) firstOf.set(d.job.jobId, position);
  });
  const claims = await perJob([...firstOf.keys()], () => deps.store.claimMany([...firstOf.keys()], lease));

  const finish = (position: number, report: JobReport): void => {
    const delivery = deliveries[position]!;
    if (delivery.messageId !== undefined) report.messageId = delivery.messageId;
    reports[position] = report;
    log(LEVEL[report.outcome], { fn: 'uploader', requestId: deps.requestId, ...report });
  };
  // Uploads whose delivery count is still due, by job id, counted together at the end.
  const toCount = new Map<string, { position: number; started: number; pending: Extract<Handled, { kind: 'count' }> }>();

  let next = 0;
  // The last delivery of each job id started so far. A queue may put the same job twice
  // in one batch; both hold this invocation's lease, so side by side both would upload.
  // One after the other, the later one finds the job uploaded and only counts itself.
  const lastOfJob = new Map<string, Promise<unknown>>();

  const worker = async (): Promise<void> => {
    while (next < deliveries.length) {
      const position = next;
      next += 1;
      const delivery = deliveries[position]!;
      const jobId = delivery.recordId;
      const previous = lastOfJob.get(jobId);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      lastOfJob.set(jobId, mine);
      if (previous !== undefined) await previous;
      const started = Date.now();
      let report: JobReport | undefined;
      try {
        const handled = await handleDelivery(delivery, deps, lease, firstOf.get(jobId) === position ? claims.get(jobId) : undefined);
        if (handled.kind === 'done') report = { index: delivery.index, ...handled.report, ms: 0 };
        else if (!toCount.has(handled.jobId)) toCount.set(handled.jobId, { position, started, pending: handled });
        else if (await deps.store.countUploaded(handled.jobId)) report = { index: delivery.index, jobId, outcome: 'uploaded', bytes: handled.bytes, ms: 0 };
        else report = { index: delivery.index, ...(await recordUnconfirmed(handled, delivery, deps.store)), ms: 0 };
      } catch (error) {
        // Transient upload failures and store failures alike: this job comes again.
        report = { index: delivery.index, jobId, outcome: 'retry_later', ms: 0, reason: reasonOf(error), error: describeError(error) };
      } finally {
        release();
        if (lastOfJob.get(jobId) === mine) lastOfJob.delete(jobId);
      }
      if (report !== undefined) finish(position, { ...report, ms: Date.now() - started });
    }
  };
  const workers = Math.max(1, Math.min(deps.concurrency, deliveries.length));
  await Promise.all(Array.from({ length: workers }, worker));

  // One batched delivery count for every upload of the batch.
  const counted = await perJob([...toCount.keys()], () => deps.store.countUploadedMany([...toCount.keys()]));
  await Promise.all(
    [...toCount.entries()].map(async ([jobId, { position, started, pending }]) => {
      const delivery = deliveries[position]!;
      const count = counted.get(jobId)!;
      let report: JobReport;
      try {
        if (!count.ok) throw count.error;
        report = count.value
          ? { index: delivery.index, jobId, outcome: 'uploaded', bytes: pending.bytes, ms: 0 }
          : { index: delivery.index, ...(await recordUnconfirmed(pending, delivery, deps.store)), ms: 0 };
      } catch (error) {
        // The object is stored and (most likely) recorded; only the count is missing. The
        // delivery comes again, finds the job uploaded and is counted then.
        report = { index: delivery.index, jobId, outcome: 'retry_later', ms: 0, reason: reasonOf(error), error: describeError(error) };
      }
      finish(position, { ...report, ms: Date.now() - started });
    }),
  );

  const counts: Record<JobOutcome, number> = { uploaded: 0, stored_unconfirmed: 0, failed: 0, skipped_already_uploaded: 0, invalid: 0, retry_later: 0 };
  for (const report of reports) counts[report.outcome] += 1;
  const summary: BatchSummary = { ...(deps.requestId ? { requestId: deps.requestId } : {}), total: reports.length, counts, jobs: reports };
  if (counts.retry_later > 0) throw new BatchIncompleteError(summary);
  return summary;
}
