import TableStore from 'tablestore';
import type { JobRecord, Outcome, RecordStatus } from '../records/record';
import { TablestoreClient, type BackoffPolicy } from './client';
import { DEFAULT_TABLE, type StoreConfig } from './config';
import { StoreError } from './errors';
import { checkJobId, checkOutcome, integerCell, JOB_ID, newRecord, outcomeCells, PK_HASH, primaryKeyOf, recordFromRow, type SdkRow } from './row';
import { STATUS_INDEX_COLUMNS, statusIndexMeta } from './status-index';

export { StoreError } from './errors';

/** What `record` did. */
export interface RecordResult {
  /** The row after the write, as read back (or as created). */
  record: JobRecord;
  /** False when a higher status was already stored: then only `deliveries` may have moved. */
  applied: boolean;
}

/**
 * Status order as Tablestore sees it. The store compares statuses inside Tablestore
 * conditions, which order STRING cells bytewise, and the three statuses happen to sort
 * bytewise in rank order ('f' < 's' < 'u'), so `status <= new` in a condition means
 * "rank(status) <= rank(new)" with no extra rank column. test/store/row.test.ts pins it
 * against STATUS_RANK, so adding a status that breaks the order fails the tests.
 */
export const STATUSES_IN_BYTE_ORDER: readonly RecordStatus[] = ['failed', 'stored_unconfirmed', 'uploaded'];

/**
 * The results table: one row per job, written so that the status only ever moves up
 * (`failed` < `stored_unconfirmed` < `uploaded`), enforced atomically by Tablestore
 * conditions rather than by reading first. Every call finishes within the configured
 * deadline (`timeoutMs`) or fails with a StoreError.
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

  /** Reads a job's record; undefined when the job has none. */
  async getRecord(jobId: string): Promise<JobRecord | undefined> {
    checkJobId(jobId);
    return this.read(jobId, this.deadline());
  }

  /**
   * Records an outcome. Creates the row when the job has none (`deliveries` 1 when
   * `countDelivery`, else 0); otherwise writes the outcome's fields only if the stored
   * status is not higher, and adds one to `deliveries` when `countDelivery` (even when the
   * status stays). A repeated identical outcome rewrites the same values.
   */
  async record(outcome: Outcome, options: { countDelivery?: boolean } = {}): Promise<RecordResult> {
    checkOutcome(outcome);
    const countDelivery = options.countDelivery ?? false;
    const deadlineAt = this.deadline();
    // INCREMENT must not be repeated after a failure that may have been applied; without
    // it every write here rewrites the same values, so any transient failure may be retried.
    const idempotent = !countDelivery;
    const primaryKey = primaryKeyOf(outcome.jobId);
    const now = Date.now();

    const created = await this.write(
      'putRow',
      {
        tableName: this.table,
        primaryKey,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
        attributeColumns: [...outcomeCells(outcome, now), { deliveries: integerCell(countDelivery ? 1 : 0) }, { created_at: integerCell(now) }],
        returnContent: { returnType: TableStore.ReturnType.NONE },
      },
      deadlineAt,
      idempotent,
    );
    if (created) return { record: newRecord(outcome, countDelivery ? 1 : 0, now), applied: true };

    // The row exists: write only if its status is not higher than ours. A row without a
    // status cannot exist (every write sets one), so a missing status fails the condition.
    const notHigher = new TableStore.SingleColumnCondition('status', outcome.status, TableStore.ComparatorType.LESS_EQUAL, false, true);
    const applied = await this.write(
      'updateRow',
      {
        tableName: this.table,
        primaryKey,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, notHigher),
        updateOfAttributeColumns: [{ PUT: outcomeCells(outcome, now) }, ...(countDelivery ? [{ INCREMENT: [{ deliveries: integerCell(1) }] }] : [])],
        returnContent: { returnType: TableStore.ReturnType.NONE },
      },
      deadlineAt,
      idempotent,
    );
    if (!applied && countDelivery) await this.incrementDeliveries(outcome.jobId, now, deadlineAt);

    const record = await this.read(outcome.jobId, deadlineAt);
    if (!record) throw new StoreError('not_found', `record of job ${outcome.jobId} disappeared while it was being written`, { retryable: true });
    return { record, applied };
  }

  /** Adds one to `deliveries` of an existing record; StoreError('not_found') when there is none. */
  async countDelivery(jobId: string): Promise<void> {
    checkJobId(jobId);
    await this.incrementDeliveries(jobId, Date.now(), this.deadline());
  }

  /** Closes idle connections (tests and scripts; a function instance keeps them for reuse). */
  close(): void {
    this.client.close();
  }

  private async incrementDeliveries(jobId: string, now: number, deadlineAt: number): Promise<void> {
    const done = await this.write(
      'updateRow',
      {
        tableName: this.table,
        primaryKey: primaryKeyOf(jobId),
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
        updateOfAttributeColumns: [{ PUT: [{ updated_at: integerCell(now) }] }, { INCREMENT: [{ deliveries: integerCell(1) }] }],
        returnContent: { returnType: TableStore.ReturnType.NONE },
      },
      deadlineAt,
      false,
    );
    if (!done) throw new StoreError('not_found', `job ${jobId} has no record to count a delivery on`, { code: 'OTSConditionCheckFail', retryable: false });
  }

  /** A conditional write: true when written, false when its condition did not hold. */
  private async write(operation: 'putRow' | 'updateRow', params: unknown, deadlineAt: number, idempotent: boolean): Promise<boolean> {
    try {
      await this.client.call(operation, params, { deadlineAt, idempotent });
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OTSConditionCheckFail') return false;
      throw err;
    }
  }

  private async read(jobId: string, deadlineAt: number): Promise<JobRecord | undefined> {
    const data = await this.client.call<{ row?: SdkRow }>(
      'getRow',
      { tableName: this.table, primaryKey: primaryKeyOf(jobId), maxVersions: 1 },
      { deadlineAt, idempotent: true },
    );
    // The SDK answers a missing row with `row: {}` (lib/protocol/decoder.js _parseRowItem).
    return recordFromRow(data.row);
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
