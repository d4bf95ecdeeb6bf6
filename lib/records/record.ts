import { createHash } from 'node:crypto';

/**
 * The final state of a job, in the order a record may move: a write never lowers it.
 * `failed` < `stored_unconfirmed` < `uploaded` (docs/architecture.md#status-order).
 */
export type RecordStatus = 'failed' | 'stored_unconfirmed' | 'uploaded';

/** Rank of each status; a write may only keep or raise the rank. */
export const STATUS_RANK: Readonly<Record<RecordStatus, number>> = Object.freeze({
  failed: 0,
  stored_unconfirmed: 1,
  uploaded: 2,
});

/** Who wrote the record's current status. */
export type RecordedBy = 'callback' | 'uploader';

/**
 * What one party learned about a job and wants recorded. Fields left undefined are
 * not written (an existing value stays).
 */
export interface Outcome {
  jobId: string;
  status: RecordStatus;
  recordedBy: RecordedBy;
  bucket?: string;
  object?: string;
  /** Without quotes (see {@link bareEtag}), whoever records it. */
  etag?: string;
  size?: number;
  mimeType?: string;
  /** Decimal string: a CRC-64 does not fit in a JS number. */
  crc64?: string;
  contentMd5?: string;
  ossRequestId?: string;
  clientIp?: string;
  operation?: string;
  vars?: Record<string, string>;
  /** Why a job failed or stayed unconfirmed, for humans; never a secret. */
  error?: string;
  /** The machine-readable reason behind `error` (`invalid_job_id`, `invalid_job`, `source_not_found`, …). */
  reason?: string;
}

/** One Tablestore row per job, as read back (docs/architecture.md#record). */
export interface JobRecord extends Outcome {
  /** How many deliveries of the job the uploader has finished handling. */
  deliveries: number;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds. */
  updatedAt: number;
}

/**
 * First primary-key column of a job's row: the first 4 lowercase hex characters of
 * the MD5 of the job id. Tablestore partitions by ranges of the first key column, so
 * a hash prefix spreads sequential job ids over all partitions.
 *
 * @example partitionKeyHash('inv-2026-0001') // => 4 hex characters, e.g. '9c1e'
 */
export function partitionKeyHash(jobId: string): string {
  return createHash('md5').update(jobId, 'utf8').digest('hex').slice(0, 4);
}

/**
 * An ETag as records keep it: without the surrounding double quotes. HEAD and listings
 * quote it (`"5EB6…"`), the callback's `${etag}` comes bare, and a record must read the
 * same whichever party wrote it.
 *
 * @example bareEtag('"7C1153B14F314EB5868298A61631726F-8"') // => '7C1153B14F314EB5868298A61631726F-8'
 */
export function bareEtag(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}
