/**
 * The read endpoint: a ticket's record, for its owner only. A job that is not the
 * caller's, or has no record yet, is the same 404, so the endpoint tells nobody whether
 * someone else's job exists.
 */
import type { JobRecord } from '../records/record';
import { TicketError } from './errors';
import { checkUserId, ownsJob } from './naming';

/** The one store read the endpoint needs (RecordStore satisfies it). */
export interface RecordReader {
  getRecord(jobId: string): Promise<JobRecord | undefined>;
}

/** What `GET /tickets/{jobId}` answers. */
export interface TicketRecordView {
  jobId: string;
  status: JobRecord['status'];
  recordedBy?: JobRecord['recordedBy'];
  bucket?: string;
  object?: string;
  etag?: string;
  size?: number;
  mimeType?: string;
  error?: string;
  updatedAt: number;
}

/**
 * Reads the record of the caller's job. Throws TicketError `not_found` when the job is
 * not the caller's or has no record yet; a StoreError passes through (503).
 *
 * @example await readOwnRecord('u-42:t1', 'u-42', store) // => { jobId: 'u-42:t1', status: 'uploaded', etag: '…', size: 1234, … }
 */
export async function readOwnRecord(jobId: string, userId: string | undefined, store: RecordReader): Promise<TicketRecordView> {
  const user = checkUserId(userId);
  const notFound = new TicketError('not_found', 'no record of this job for you (yet)');
  if (!ownsJob(user, jobId)) throw notFound;
  const record = await store.getRecord(jobId);
  // The record names its owner too (the ticket's `user` var); both must agree.
  if (!record || record.vars?.user !== user) throw notFound;
  const view: TicketRecordView = { jobId, status: record.status, updatedAt: record.updatedAt };
  for (const field of ['recordedBy', 'bucket', 'object', 'etag', 'size', 'mimeType', 'error'] as const) {
    if (record[field] !== undefined) (view as unknown as Record<string, unknown>)[field] = record[field];
  }
  return view;
}
