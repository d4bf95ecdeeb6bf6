/**
 * The lease claim and the delivery count of lease.ts, for a whole batch of jobs at once:
 * one BatchWriteRow carries every job's claim (each row with its own condition), one more
 * carries the counts of the jobs that turned out to be uploaded already, and one carries
 * the counts of the jobs a batch has uploaded. Rows come back one by one (batch-write.ts);
 * only a row refused by both conditions (another invocation holds the job, or it changed
 * between the two writes) takes the single-row path of lease.ts, which reads the row.
 *
 * Store calls per batch of n fresh jobs: 1 claim + 1 count, instead of n + n.
 */
import type { TablestoreClient } from './client';
import { batchWrite, type RowWrite, type RowWriteResult } from './batch-write';
import { claimJob, claimWrite, countWrite, type ClaimResult, type Lease } from './lease';
import type { RowAccess } from './row-access';
import type { StoreError } from './errors';

/** A job's result in a batch call: what a single call would have returned, or the error it would have thrown. */
export type PerJob<T> = { ok: true; value: T } | { ok: false; error: StoreError };

/** What the batch functions need besides the client: the table, a deadline, and single-row access for the rare path. */
export interface BatchContext {
  client: TablestoreClient;
  table: string;
  deadlineAt: number;
  row(jobId: string): RowAccess;
}

function claimRow(jobId: string, lease: Lease, now: number): RowWrite {
  const claim = claimWrite(lease, now);
  return { jobId, condition: claim.condition, change: { type: 'UPDATE', updates: claim.updates } };
}

function countRow(jobId: string, now: number): RowWrite {
  const count = countWrite(now);
  return { jobId, condition: count.condition, change: { type: 'UPDATE', updates: count.updates } };
}

/**
 * Claims every job for `lease` (see lease.ts `claimJob` for what each result means), in
 * one BatchWriteRow for the claims and, when some jobs are already uploaded, one more for
 * their counts. `jobIds` must be distinct.
 *
 * @example
 * const claims = await claimJobs(ctx, ['a', 'b'], { owner: 'req-1', until }, Date.now());
 * // => Map { 'a' => { ok: true, value: { kind: 'claimed' } }, 'b' => { ok: true, value: { kind: 'uploaded' } } }
 */
export async function claimJobs(ctx: BatchContext, jobIds: readonly string[], lease: Lease, now: number): Promise<Map<string, PerJob<ClaimResult>>> {
  const out = new Map<string, PerJob<ClaimResult>>();
  if (jobIds.length === 0) return out;
  // A repeated claim is harmless (it passes again as our own lease), so the claims may be retried.
  const claims = await batchWrite(ctx.client, ctx.table, jobIds.map((id) => claimRow(id, lease, now)), { deadlineAt: ctx.deadlineAt, idempotent: true });
  const refused: string[] = [];
  jobIds.forEach((jobId, i) => {
    const result = claims[i]!;
    if (result.kind === 'written') out.set(jobId, { ok: true, value: { kind: 'claimed' } });
    else if (result.kind === 'failed') out.set(jobId, { ok: false, error: result.error });
    else refused.push(jobId);
  });
  if (refused.length === 0) return out;

  // Refused: mostly jobs already uploaded (a redelivery), which are counted now, as lease.ts does.
  const counts = await countUploadedJobs(ctx, refused, now);
  const contended: string[] = [];
  for (const jobId of refused) {
    const count = counts.get(jobId)!;
    if (!count.ok) out.set(jobId, count);
    else if (count.value) out.set(jobId, { ok: true, value: { kind: 'uploaded' } });
    else contended.push(jobId);
  }
  // Neither condition held: another invocation holds the job (or it changed between our
  // writes). The single-row path reads the row to tell which.
  await Promise.all(
    contended.map(async (jobId) => {
      try {
        out.set(jobId, { ok: true, value: await claimJob(ctx.row(jobId), lease, Date.now()) });
      } catch (error) {
        out.set(jobId, { ok: false, error: error as StoreError });
      }
    }),
  );
  return out;
}

/**
 * Counts one delivery on each job's record and drops its lease, only where the record is
 * `uploaded` (value false: nothing written for that job), in one BatchWriteRow. INCREMENT
 * is not idempotent, so a row whose failure may have been applied is not sent again: it
 * comes back as that job's error. `jobIds` must be distinct.
 *
 * @example
 * const counted = await countUploadedJobs(ctx, ['a', 'b'], Date.now());
 * // => Map { 'a' => { ok: true, value: true }, 'b' => { ok: true, value: false } }
 */
export async function countUploadedJobs(ctx: BatchContext, jobIds: readonly string[], now: number): Promise<Map<string, PerJob<boolean>>> {
  const out = new Map<string, PerJob<boolean>>();
  if (jobIds.length === 0) return out;
  const results: RowWriteResult[] = await batchWrite(ctx.client, ctx.table, jobIds.map((id) => countRow(id, now)), { deadlineAt: ctx.deadlineAt, idempotent: false });
  jobIds.forEach((jobId, i) => {
    const result = results[i]!;
    out.set(jobId, result.kind === 'failed' ? { ok: false, error: result.error } : { ok: true, value: result.kind === 'written' });
  });
  return out;
}
