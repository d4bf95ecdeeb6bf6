/**
 * Handling a batch of deliveries: each job validated, claimed (a lease on its row, so no
 * other invocation uploads it at the same time), uploaded and recorded, with bounded
 * concurrency. Every delivery ends in a record, an invalid one included. One job's
 * transient failure never stops the others: they finish, and then the batch fails as a
 * whole so the queue delivers it again; the jobs already done are then only counted.
 */
import { randomUUID } from 'node:crypto';
import type { Delivery } from '../jobs/delivery';
import { ReasonedError } from '../errors';
import { log } from '../log';
import { plural } from '../plural';
import type { Outcome } from '../records/record';
import type { Lease } from '../store/lease';
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
export type UploaderStore = Pick<RecordStore, 'claim' | 'countUploaded' | 'release' | 'record'>;

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

async function handleDelivery(delivery: Delivery, deps: ProcessDeps, lease: Lease): Promise<Omit<JobReport, 'index' | 'ms'>> {
  const { store } = deps;
  if (!delivery.job) {
    // Recorded under the job's id when it had a usable one, else under `invalid-…`.
    const error = delivery.error!;
    const jobId = delivery.recordId;
    await store.record({ jobId, status: 'failed', recordedBy: 'uploader', error: error.message, reason: error.reason }, { countDelivery: true });
    return { jobId, outcome: 'invalid', reason: error.reason, error: error.message };
  }

  const job = delivery.job;
  const claim = await store.claim(job.jobId, lease);
  if (claim.kind === 'uploaded') return { jobId: job.jobId, outcome: 'skipped_already_uploaded' };
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

async function uploadClaimed(jobId: string, delivery: Delivery, deps: ProcessDeps): Promise<Omit<JobReport, 'index' | 'ms'>> {
  const { store } = deps;
  const job = delivery.job!;
  const result = await uploadJob(job, deps.upload);
  const done = { countDelivery: true, releaseLease: true };
  switch (result.kind) {
    case 'uploaded': {
      // The callback wrote the record; this delivery only needs counting (and the lease dropped).
      if (await store.countUploaded(jobId)) return { jobId, outcome: 'uploaded', bytes: result.bytes };
      // OSS got a 200 from something at CALLBACK_URL that did not record the job (a
      // misrouted URL): the object is stored, so say so rather than lose the job.
      const outcome: Outcome = {
        jobId,
        status: 'stored_unconfirmed',
        recordedBy: 'uploader',
        bucket: result.bucket,
        object: result.key,
        size: result.bytes,
        operation: result.multipart ? 'CompleteMultipartUpload' : 'PutObject',
        error: 'the callback answered 200 but wrote no record',
        reason: 'callback_not_recorded',
        ...(job.vars && Object.keys(job.vars).length > 0 ? { vars: job.vars } : {}),
      };
      await store.record(outcome, done);
      return { jobId, outcome: 'stored_unconfirmed', bytes: result.bytes, reason: 'callback_not_recorded', error: outcome.error! };
    }
    case 'stored_unconfirmed':
      await store.record(result.outcome, done);
      return { jobId, outcome: 'stored_unconfirmed', bytes: result.bytes, reason: 'callback_failed', error: result.outcome.error! };
    case 'failed':
      await store.record(result.outcome, done);
      return { jobId, outcome: 'failed', reason: result.reason, error: result.outcome.error! };
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
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      lastOfJob.set(jobId, mine);
      if (previous !== undefined) await previous;
      const started = Date.now();
      let report: JobReport;
      try {
        report = { index: delivery.index, ...(await handleDelivery(delivery, deps, lease)), ms: 0 };
      } catch (error) {
        // Transient upload failures and store failures alike: this job comes again.
        report = { index: delivery.index, jobId, outcome: 'retry_later', ms: 0, reason: reasonOf(error), error: describeError(error) };
      } finally {
        done();
        if (lastOfJob.get(jobId) === mine) lastOfJob.delete(jobId);
      }
      if (delivery.messageId !== undefined) report.messageId = delivery.messageId;
      report.ms = Date.now() - started;
      reports[position] = report;
      log(LEVEL[report.outcome], { fn: 'uploader', requestId: deps.requestId, ...report });
    }
  };
  const workers = Math.max(1, Math.min(deps.concurrency, deliveries.length));
  await Promise.all(Array.from({ length: workers }, worker));

  const counts: Record<JobOutcome, number> = { uploaded: 0, stored_unconfirmed: 0, failed: 0, skipped_already_uploaded: 0, invalid: 0, retry_later: 0 };
  for (const report of reports) counts[report.outcome] += 1;
  const summary: BatchSummary = { ...(deps.requestId ? { requestId: deps.requestId } : {}), total: reports.length, counts, jobs: reports };
  if (counts.retry_later > 0) throw new BatchIncompleteError(summary);
  return summary;
}
