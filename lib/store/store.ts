import TableStore from 'tablestore';
import type { JobRecord, Outcome, RecordStatus } from '../records/record';
import { TablestoreClient, type BackoffPolicy } from './client';
import { statusBelow, statusMissing, writeCondition } from './conditions';
import { DEFAULT_TABLE, type StoreConfig } from './config';
import { StoreError } from './errors';
import { claimJob, countUploadedDelivery, dropLease, releaseLease, type ClaimResult, type Lease } from './lease';
import { claimJobs, countUploadedJobs, type BatchContext, type PerJob } from './batch-claim';
import { absentFieldColumns, checkJobId, checkOutcome, integerCell, JOB_ID, newRecord, outcomeCells, PK_HASH, recordFromRow } from './row';
import { RowAccess } from './row-access';
import { STATUS_INDEX_COLUMNS, statusIndexMeta } from './status-index';

export { StoreError } from './errors';
export type { ClaimResult, Lease } from './lease';
export type { PerJob } from './batch-claim';

/** What `record` did. */
export interface RecordResult {
  /** The row after the write, as read back (or as created). */
  record: JobRecord;
  /** False when the same or a higher status was already stored: then only `deliveries` may have moved. */
  applied: boolean;
}

/**
 * Status order as Tablestore sees it. The store compares statuses inside Tablestore
 * conditions, which order STRING cells bytewise, and the three statuses happen to sort
 * bytewise in rank order ('f' < 's' < 'u'), so `status < new` in a condition means
 * "rank(status) < rank(new)" with no extra rank column (conditions.ts `statusBelow`). test/lib/store/row.test.ts pins it
 * against STATUS_RANK, so adding a status that breaks the order fails the tests.
 */
export const STATUSES_IN_BYTE_ORDER: readonly RecordStatus[] = ['failed', 'stored_unconfirmed', 'uploaded'];

/**
 * The results table: one row per job, written so that the status only ever moves up
 * (`failed` < `stored_unconfirmed` < `uploaded`) and a record at its final status is not
 * rewritten, enforced atomically by Tablestore conditions rather than by reading first.
 * The same row carries the uploader's lease on the job (lease.ts). Every call finishes
 * within the configured deadline (`timeoutMs`) or fails with a StoreError.
 *
 * @example
 * const store = new RecordStore(storeConfigFromEnv(process.env, context.credentials));
 * await store.ensureTable();
 * const { record, applied } = await store.record({ jobId: 'inv-1', status: 'uploaded', recordedBy: 'callback', size: 42 });
 */
export class RecordStore {
  readonly table: string;
  private readonly client: TablestoreClient;

  constructor(config: StoreConfig, options: { backoff?: BackoffPolicy } = {}) {
    this.table = config.table || DEFAULT_TABLE;
    this.client = new TablestoreClient(config, options.backoff);
  }

  /**
   * Creates the table (primary key `pk_hash` STRING, `job_id` STRING) unless it exists.
   * Throws StoreError('schema_mismatch') when a table of that name has another key.
   */
  async ensureTable(): Promise<'created' | 'exists'> {
    const deadlineAt = this.deadline();
    try {
      const described = await this.client.call<DescribedTable>('describeTable', { tableName: this.table }, { deadlineAt, idempotent: true });
      this.checkSchema(described);
      return 'exists';
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'OTSObjectNotExist')) throw err;
    }
    const params: TableStore.CreateTableParams = {
      tableMeta: {
        tableName: this.table,
        primaryKey: [
          { name: PK_HASH, type: 'STRING' },
          { name: JOB_ID, type: 'STRING' },
        ],
        // Declared for the status index (lib/store/status-index.ts), created with the table.
        definedColumn: STATUS_INDEX_COLUMNS.map((c) => ({ ...c })) as TableStore.TableMeta['definedColumn'],
      },
      // Keep rows forever, one version per cell (both required by the index); on-demand (CU) capacity.
      tableOptions: { timeToLive: -1, maxVersions: 1 },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      indexMetas: [statusIndexMeta(this.table)],
    };
    try {
      // Creating twice is harmless (the second gets OTSObjectAlreadyExist), so it may be retried.
      await this.client.call('createTable', params, { deadlineAt, idempotent: true });
      return 'created';
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OTSObjectAlreadyExist') return 'exists';
      throw err;
    }
  }

  /** Reads a job's record; undefined when the job has none (or only a lease on it). */
  async getRecord(jobId: string): Promise<JobRecord | undefined> {
    checkJobId(jobId);
    return recordFromRow(await this.row(jobId).read());
  }

  /**
   * Records an outcome; the status only ever moves up, and a record at its final status
   * is never rewritten:
   * - a job without a record gets one (`deliveries` 1 when `countDelivery`, else 0);
   * - a record at a lower status takes the outcome wholesale: every field the outcome
   *   lacks (a stale `error`, an older etag…) is removed;
   * - a record at the same or a higher status is left as it is, except that
   *   `countDelivery` still adds one to `deliveries`.
   * `releaseLease` also drops the uploader's lease (the delivery that holds it is done).
   * One write when the job has no record yet; otherwise up to three calls, the last a read
   * of the row so `record` is what is stored.
   */
  async record(outcome: Outcome, options: { countDelivery?: boolean; releaseLease?: boolean } = {}): Promise<RecordResult> {
    checkOutcome(outcome);
    const countDelivery = options.countDelivery ?? false;
    const row = this.row(outcome.jobId);
    const now = Date.now();
    // INCREMENT must not be repeated after a failure that may have been applied; without
    // it every write here rewrites the same values, so any transient failure may be retried.
    const idempotent = !countDelivery;
    const leaseUpdates = options.releaseLease ? [dropLease()] : [];
    const deliveries = countDelivery ? 1 : 0;

    // The first outcome of the job: the row is missing or holds only a lease. Such a row
    // never has `deliveries` (only recorded jobs are counted), so they are simply set.
    const cells = outcomeCells(outcome, now);
    const first = await row.update(
      writeCondition('IGNORE', statusMissing()),
      [{ PUT: [...cells, { deliveries: integerCell(deliveries) }, { created_at: integerCell(now) }] }, ...leaseUpdates],
      idempotent,
    );
    if (first) return { record: newRecord(outcome, deliveries, now), applied: true };

    const absent = absentFieldColumns(outcome);
    const raised = await row.update(
      writeCondition('EXPECT_EXIST', statusBelow(outcome.status)),
      [{ PUT: cells }, ...(absent.length > 0 ? [{ DELETE_ALL: absent }] : []), ...(countDelivery ? [{ INCREMENT: [{ deliveries: integerCell(1) }] }] : []), ...leaseUpdates],
      idempotent,
    );
    if (!raised && countDelivery) {
      await row.update(
        writeCondition('EXPECT_EXIST'),
        [{ PUT: [{ updated_at: integerCell(now) }] }, { INCREMENT: [{ deliveries: integerCell(1) }] }, ...leaseUpdates],
        false,
      );
    }
    const stored = recordFromRow(await row.read());
    if (stored) return { record: stored, applied: raised };
    // No record although the first write was refused: only possible if the service
    // refused a column condition on a missing row (lib/store/conditions.ts). Create it.
    const created = await row.put(writeCondition('EXPECT_NOT_EXIST'), [...cells, { deliveries: integerCell(deliveries) }, { created_at: integerCell(now) }], idempotent);
    if (created) return { record: newRecord(outcome, deliveries, now), applied: true };
    throw new StoreError('condition_failed', `record of job ${outcome.jobId} changed while it was being written`, { retryable: true });
  }

  /**
   * Claims a job for an upload until `lease.until` (see lease.ts): `claimed` (upload it),
   * `uploaded` (already done; this delivery has been counted) or `held` (another
   * invocation is on it now).
   *
   * @example
   * const claim = await store.claim('inv-1', { owner: context.requestId, until: Date.now() + 600_000 });
   */
  async claim(jobId: string, lease: Lease): Promise<ClaimResult> {
    checkJobId(jobId);
    if (lease.owner === '' || !Number.isSafeInteger(lease.until)) throw new StoreError('invalid_outcome', 'a lease needs an owner and an integer end time', { retryable: false });
    return claimJob(this.row(jobId), lease, Date.now());
  }

  /**
   * After an upload whose callback answered 200: counts the delivery on the `uploaded`
   * record and drops the lease. False when the job is not `uploaded` (nothing written).
   */
  async countUploaded(jobId: string): Promise<boolean> {
    checkJobId(jobId);
    return countUploadedDelivery(this.row(jobId), Date.now());
  }

  /**
   * `claim` for many jobs in one batched call (lib/store/batch-claim.ts): one BatchWriteRow
   * for the claims, one more only when some jobs are already uploaded. Each job gets what
   * `claim` would have returned, or the StoreError it would have thrown. Ids must be distinct.
   *
   * @example
   * const claims = await store.claimMany(['inv-1', 'inv-2'], lease);
   * claims.get('inv-1') // => { ok: true, value: { kind: 'claimed' } }
   */
  async claimMany(jobIds: readonly string[], lease: Lease): Promise<Map<string, PerJob<ClaimResult>>> {
    for (const jobId of jobIds) checkJobId(jobId);
    if (lease.owner === '' || !Number.isSafeInteger(lease.until)) throw new StoreError('invalid_outcome', 'a lease needs an owner and an integer end time', { retryable: false });
    return claimJobs(this.batch(), jobIds, lease, Date.now());
  }

  /**
   * `countUploaded` for many jobs in one BatchWriteRow: each job true (counted, lease
   * dropped), false (not uploaded: nothing written) or its StoreError. Ids must be distinct.
   */
  async countUploadedMany(jobIds: readonly string[]): Promise<Map<string, PerJob<boolean>>> {
    for (const jobId of jobIds) checkJobId(jobId);
    return countUploadedJobs(this.batch(), jobIds, Date.now());
  }

  /** Gives a claimed job back (its delivery will come again) if `owner` still holds it. */
  async release(jobId: string, owner: string): Promise<boolean> {
    checkJobId(jobId);
    return releaseLease(this.row(jobId), owner);
  }

  /** Closes idle connections (tests and scripts; a function instance keeps them for reuse). */
  close(): void {
    this.client.close();
  }

  private row(jobId: string): RowAccess {
    return new RowAccess(this.client, this.table, jobId, this.deadline());
  }

  private batch(): BatchContext {
    const deadlineAt = this.deadline();
    return { client: this.client, table: this.table, deadlineAt, row: (jobId) => new RowAccess(this.client, this.table, jobId, deadlineAt) };
  }

  private checkSchema(described: DescribedTable): void {
    const keys = described.tableMeta?.primaryKey ?? [];
    const expected = [PK_HASH, JOB_ID];
    const ok = keys.length === 2 && keys.every((k, i) => k.name === expected[i] && (k.type === TableStore.PrimaryKeyType.STRING || k.type === 'STRING'));
    if (!ok) {
      const found = keys.map((k) => `${k.name}:${String(k.type)}`).join(', ');
      throw new StoreError('schema_mismatch', `table ${this.table} has primary key (${found}), expected (pk_hash STRING, job_id STRING)`, { retryable: false });
    }
  }

  private deadline(): number {
    return Date.now() + this.client.timeoutMs;
  }
}

/** DescribeTable's answer, as far as the store reads it. */
interface DescribedTable {
  tableMeta?: { primaryKey?: Array<{ name: string; type: number | string }> };
}
