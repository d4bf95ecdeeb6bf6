/**
 * Handling a batch of deliveries: each job validated, checked against its record,
 * uploaded and recorded, with bounded concurrency. One job's transient failure never
 * stops the others: they finish, and then the batch fails as a whole so the queue
 * delivers it again; the jobs already done are then acknowledged by the record check.
 */
import type { Delivery } from '../jobs/delivery';
import { ReasonedError } from '../errors';
import { log } from '../log';
import { plural } from '../plural';
import type { Outcome } from '../records/record';
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
    const ids = pending.map((j) => j.jobId ?? `#${j.index}`).join(', ');
    super('batch_incomplete', `${pending.length} of ${plural(summary.total, 'job')} failed transiently and must be delivered again: ${ids}`);
  }
}

/** The store operations the uploader uses. */
export type UploaderStore = Pick<RecordStore, 'getRecord' | 'record' | 'countDelivery'>;

export interface ProcessDeps {
  store: UploaderStore;
  upload: UploadDeps;
  /** Jobs handled at once. */
  concurrency: number;
  /** FC request id, for logs and the summary. */
  requestId?: string;
}

const LEVEL: Record<JobOutcome, 'info' | 'warn' | 'error'> = {
  uploaded: 'info',
  skipped_already_uploaded: 'info',
  stored_unconfirmed: 'warn',
  failed: 'warn',
  invalid: 'warn',
  retry_later: 'error',
};

async function handleDelivery(delivery: Delivery, deps: ProcessDeps): Promise<Omit<JobReport, 'index' | 'ms'>> {
  const { store } = deps;
  if (!delivery.job) {
    const error = delivery.error!;
    // Without a job id there is no row to write: the report and the log line are all.
    if (error.jobId !== undefined) {
      await store.record({ jobId: error.jobId, status: 'failed', recordedBy: 'uploader', error: error.message }, { countDelivery: true });
    }
    return { ...(error.jobId !== undefined ? { jobId: error.jobId } : {}), outcome: 'invalid', reason: error.reason, error: error.message };
  }

  const job = delivery.job;
  const existing = await store.getRecord(job.jobId);
  if (existing?.status === 'uploaded') {
    await store.countDelivery(job.jobId);
    return { jobId: job.jobId, outcome: 'skipped_already_uploaded' };
  }

  const result = await uploadJob(job, deps.upload);
  switch (result.kind) {
    case 'uploaded':
      try {
        // The callback wrote the record; this delivery only needs counting.
        await store.countDelivery(job.jobId);
        return { jobId: job.jobId, outcome: 'uploaded', bytes: result.bytes };
      } catch (error) {
        if (!(error instanceof StoreError && error.reason === 'not_found')) throw error;
        // OSS got a 200 from something at CALLBACK_URL that did not record the job (a
        // misrouted URL): the object is stored, so say so rather than lose the job.
        const outcome: Outcome = {
          jobId: job.jobId,
          status: 'stored_unconfirmed',
          recordedBy: 'uploader',
          bucket: result.bucket,
          object: result.key,
          size: result.bytes,
          operation: result.multipart ? 'CompleteMultipartUpload' : 'PutObject',
          error: 'the callback answered 200 but wrote no record',
          ...(job.vars && Object.keys(job.vars).length > 0 ? { vars: job.vars } : {}),
        };
        await store.record(outcome, { countDelivery: true });
        return { jobId: job.jobId, outcome: 'stored_unconfirmed', bytes: result.bytes, reason: 'callback_not_recorded', error: outcome.error! };
      }
    case 'stored_unconfirmed':
      await store.record(result.outcome, { countDelivery: true });
      return { jobId: job.jobId, outcome: 'stored_unconfirmed', bytes: result.bytes, reason: 'callback_failed', error: result.outcome.error! };
    case 'failed':
      await store.record(result.outcome, { countDelivery: true });
      return { jobId: job.jobId, outcome: 'failed', reason: result.reason, error: result.outcome.error! };
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
  const reports: JobReport[] = new Array<JobReport>(deliveries.length);
  let next = 0;
  // The last delivery of each job id started so far. A queue may put the same job twice
  // in one batch; run side by side, both would miss the record and upload. One after the
  // other, the later one finds the job uploaded and only counts itself.
  const lastOfJob = new Map<string, Promise<unknown>>();

  const worker = async (): Promise<void> => {
    while (next < deliveries.length) {
      const position = next;
      next += 1;
      const delivery = deliveries[position]!;
      const jobId = delivery.job?.jobId ?? delivery.error?.jobId;
      const previous = jobId === undefined ? undefined : lastOfJob.get(jobId);
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      if (jobId !== undefined) lastOfJob.set(jobId, mine);
      if (previous !== undefined) await previous;
      const started = Date.now();
      let report: JobReport;
      try {
        report = { index: delivery.index, ...(await handleDelivery(delivery, deps)), ms: 0 };
      } catch (error) {
        // Transient upload failures and store failures alike: this job comes again.
        report = { index: delivery.index, ...(jobId ? { jobId } : {}), outcome: 'retry_later', ms: 0, reason: reasonOf(error), error: describeError(error) };
      } finally {
        done();
        if (jobId !== undefined && lastOfJob.get(jobId) === mine) lastOfJob.delete(jobId);
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
