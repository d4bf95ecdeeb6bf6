/**
 * The results table's global secondary index by status and creation time, which lets
 * `npm run results -- --status failed --since 1h` read one key range instead of scanning
 * the table. Its key is (status, created_at, pk_hash, job_id): the index columns, then the
 * table's own key, which Tablestore appends ("autocomplete",
 * https://www.alibabacloud.com/help/doc-detail/91947.htm). It carries no attribute
 * columns, so a record's later writes (deliveries, updated_at, …) never touch it: only a
 * status change moves its index row. Readers fetch the records themselves by key.
 *
 * Why (status, created_at) and what it costs: docs/results.md.
 */
import TableStore from 'tablestore';
import type { TablestoreClient } from './client';
import { StoreError } from './errors';

/** Suffix of the index's name: `upload_results_by_status` for the default table. */
export const STATUS_INDEX_SUFFIX = '_by_status';

/** The index's key columns, in order, before the table's own key. */
export const STATUS_INDEX_KEY = ['status', 'created_at'] as const;

/**
 * Predefined columns the table declares so the index can use them. Every record has
 * both: `status` as a STRING, `created_at` as an INTEGER (lib/store/row.ts).
 */
export const STATUS_INDEX_COLUMNS: readonly { name: string; type: number }[] = [
  { name: 'status', type: TableStore.DefinedColumnType.DCT_STRING },
  { name: 'created_at', type: TableStore.DefinedColumnType.DCT_INTEGER },
];

/** The index's name for a results table. */
export function statusIndexName(table: string): string {
  return `${table}${STATUS_INDEX_SUFFIX}`;
}

/** The index as CreateTable's `indexMetas` or CreateIndex's `indexMeta` takes it. */
export function statusIndexMeta(table: string): TableStore.IndexMeta {
  return {
    name: statusIndexName(table),
    primaryKey: [...STATUS_INDEX_KEY],
    definedColumn: [],
    // Global and asynchronous: the only mode a global index has (the service updates it
    // milliseconds after the write, https://www.alibabacloud.com/help/doc-detail/91947.html).
    indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
    indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
  };
}

/** DescribeTable's answer, as far as the index check reads it. */
interface DescribedTable {
  tableMeta?: { definedColumn?: { name: string; type: number | string }[] };
  indexMetas?: { name: string; primaryKey?: string[] }[];
}

/**
 * Makes sure the results table has the status index: nothing when it has, CreateIndex
 * (indexing the rows already there) when the table declares the columns it needs.
 * Throws StoreError('schema_mismatch') when an index of that name has another key, or
 * when the table predates the index and lacks its predefined columns.
 *
 * @example await ensureStatusIndex(client, 'upload_results', Date.now() + 30_000) // 'created' | 'exists'
 */
export async function ensureStatusIndex(client: TablestoreClient, table: string, deadlineAt: number): Promise<'created' | 'exists'> {
  const name = statusIndexName(table);
  const described = await client.call<DescribedTable>('describeTable', { tableName: table }, { deadlineAt, idempotent: true });
  const existing = (described.indexMetas ?? []).find((m) => m.name === name);
  if (existing) {
    const key = existing.primaryKey ?? [];
    if (key.length !== STATUS_INDEX_KEY.length || key.some((k, i) => k !== STATUS_INDEX_KEY[i])) {
      throw new StoreError('schema_mismatch', `index ${name} has key (${key.join(', ')}), expected (${STATUS_INDEX_KEY.join(', ')})`, { retryable: false });
    }
    return 'exists';
  }
  const declared = described.tableMeta?.definedColumn ?? [];
  const lacking = STATUS_INDEX_COLUMNS.filter((c) => !declared.some((d) => d.name === c.name));
  if (lacking.length > 0) {
    // The Node.js SDK has no AddDefinedColumn, so a table created before the index existed
    // is completed by hand (docs/deploy.md says how).
    throw new StoreError(
      'schema_mismatch',
      `table ${table} does not declare the predefined column(s) ${lacking.map((c) => c.name).join(', ')} that index ${name} needs: add status (STRING) and created_at (INTEGER) as predefined columns in the Tablestore console, then run this again`,
      { retryable: false },
    );
  }
  try {
    // includeBaseData sits beside indexMeta (the SDK's encodeCreateIndex reads params.includeBaseData).
    await client.call('createIndex', { mainTableName: table, indexMeta: statusIndexMeta(table), includeBaseData: true }, { deadlineAt, idempotent: true });
    return 'created';
  } catch (err) {
    if (err instanceof StoreError && err.code === 'OTSObjectAlreadyExist') return 'exists';
    throw err;
  }
}
