/**
 * Reading job records for people and tools (`npm run results`): by job id with
 * BatchGetRow, or listed newest first by status and creation time through the status
 * index (lib/store/status-index.ts), never by scanning the table.
 *
 * The index is global, so Tablestore updates it asynchronously: an index row can point
 * at a record whose status has just moved on. Every listed record is therefore read from
 * the table itself and kept only if it still matches, so a listing never shows a status
 * the table does not hold.
 */
import TableStore from 'tablestore';
import type { JobRecord, RecordStatus } from '../lib/records/record';
import { TablestoreClient } from '../lib/store/client';
import type { StoreConfig } from '../lib/store/config';
import { StoreError } from '../lib/store/errors';
import { checkJobId, JOB_ID, PK_HASH, primaryKeyOf, recordFromRow, type SdkRow } from '../lib/store/row';
import { STATUSES_IN_BYTE_ORDER } from '../lib/store/store';
import { statusIndexName } from '../lib/store/status-index';

/** What to list: one status or all, records created at or after `since` (epoch ms), at most `limit`. */
export interface ListQuery {
  status?: RecordStatus;
  since?: number;
  limit: number;
}

/** BatchGetRow takes at most 100 rows per request (API reference, BatchGetRow). */
const BATCH_GET_MAX = 100;
/** GetRange returns at most 5000 rows per request (API reference, GetRange). */
const RANGE_MAX = 5000;
/** Listing reads many pages; each call gets this long (the functions' 3 s is for OSS's 5 s window). */
const DEFAULT_READ_TIMEOUT_MS = 15_000;

type KeyCellOut = { name: string; value: unknown };
interface RangePage {
  rows: SdkRow[];
  nextStartPrimaryKey: KeyCellOut[] | null;
}
interface BatchRow extends SdkRow {
  isOk: boolean;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/**
 * Reads records from the results table and its status index.
 *
 * @example
 * const reader = new ResultsReader(config);
 * const failed = await reader.list({ status: 'failed', since: Date.now() - 3_600_000, limit: 20 });
 * const one = (await reader.getRecords(['inv-1'])).get('inv-1'); // undefined when missing
 * reader.close();
 */
export class ResultsReader {
  readonly table: string;
  readonly index: string;
  private readonly client: TablestoreClient;

  constructor(config: StoreConfig) {
    this.table = config.table;
    this.index = statusIndexName(config.table);
    this.client = new TablestoreClient({ ...config, timeoutMs: config.timeoutMs === undefined || config.timeoutMs < DEFAULT_READ_TIMEOUT_MS ? DEFAULT_READ_TIMEOUT_MS : config.timeoutMs });
  }

  /** The records of `jobIds` (each id once), in one BatchGetRow per 100 ids; a missing job maps to undefined. */
  async getRecords(jobIds: readonly string[]): Promise<Map<string, JobRecord | undefined>> {
    const ids = [...new Set(jobIds)];
    for (const id of ids) checkJobId(id);
    const found = new Map<string, JobRecord | undefined>();
    for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
      const chunk = ids.slice(i, i + BATCH_GET_MAX);
      const records = await this.batchGet(chunk);
      chunk.forEach((id, n) => found.set(id, records[n]));
    }
    return found;
  }

  /** Records newest first (by creation time, then job id) matching the query. */
  async list(query: ListQuery): Promise<JobRecord[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1) throw new RangeError(`limit must be a positive integer, got ${String(query.limit)}`);
    const statuses = query.status ? [query.status] : STATUSES_IN_BYTE_ORDER;
    const perStatus: JobRecord[] = [];
    for (const status of statuses) perStatus.push(...(await this.listStatus(status, query.since, query.limit)));
    return perStatus.sort(newestFirst).slice(0, query.limit);
  }

  /** Closes idle connections. */
  close(): void {
    this.client.close();
  }

  /** Up to `limit` records of one status, newest first, walking the index backwards. */
  private async listStatus(status: RecordStatus, since: number | undefined, limit: number): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    let start: TableStore.PrimaryKeyInput | null = [{ status }, { created_at: TableStore.INF_MAX }, { [PK_HASH]: TableStore.INF_MAX }, { [JOB_ID]: TableStore.INF_MAX }];
    // BACKWARD excludes the end key: everything created at `since` or later lies above it.
    const end: TableStore.PrimaryKeyInput = [
      { status },
      { created_at: since === undefined ? TableStore.INF_MIN : TableStore.Long.fromNumber(since) },
      { [PK_HASH]: TableStore.INF_MIN },
      { [JOB_ID]: TableStore.INF_MIN },
    ];
    while (start && out.length < limit) {
      const page: RangePage = await this.client.call<RangePage>(
        'getRange',
        {
          tableName: this.index,
          direction: TableStore.Direction.BACKWARD,
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: end,
          limit: Math.min(RANGE_MAX, limit - out.length),
          maxVersions: 1,
        },
        { deadlineAt: this.deadline(), idempotent: true },
      );
      const ids = page.rows.map((row) => row.primaryKey?.find((k) => k.name === JOB_ID)?.value).filter((id): id is string => typeof id === 'string');
      for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
        const records = await this.batchGet(ids.slice(i, i + BATCH_GET_MAX));
        // The index lags the table: keep only records that still match.
        for (const record of records) if (record && record.status === status && (since === undefined || record.createdAt >= since)) out.push(record);
      }
      start = page.nextStartPrimaryKey ? page.nextStartPrimaryKey.map((k) => ({ [k.name]: k.value })) as TableStore.PrimaryKeyInput : null;
    }
    return out.slice(0, limit);
  }

  /** One BatchGetRow of ≤ 100 ids; rows the service could not read are read again one by one. */
  private async batchGet(ids: readonly string[]): Promise<(JobRecord | undefined)[]> {
    const data = await this.client.call<{ tables: BatchRow[][] }>(
      'batchGetRow',
      { tables: [{ tableName: this.table, primaryKey: ids.map(primaryKeyOf), maxVersions: 1 }] },
      { deadlineAt: this.deadline(), idempotent: true },
    );
    const rows = data.tables[0] ?? [];
    if (rows.length !== ids.length) throw new StoreError('unavailable', `Tablestore BatchGetRow answered ${rows.length} rows for ${ids.length} keys`, { retryable: true });
    const out: (JobRecord | undefined)[] = [];
    for (let i = 0; i < ids.length; i++) {
      const row = rows[i]!;
      out.push(row.isOk ? recordFromRow(row) : await this.getOne(ids[i]!));
    }
    return out;
  }

  private async getOne(jobId: string): Promise<JobRecord | undefined> {
    const data = await this.client.call<{ row?: SdkRow }>('getRow', { tableName: this.table, primaryKey: primaryKeyOf(jobId), maxVersions: 1 }, { deadlineAt: this.deadline(), idempotent: true });
    return recordFromRow(data.row);
  }

  private deadline(): number {
    return Date.now() + this.client.timeoutMs;
  }
}

function newestFirst(a: JobRecord, b: JobRecord): number {
  return b.createdAt - a.createdAt || (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0);
}
