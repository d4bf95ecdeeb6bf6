/**
 * Conditional writes of many jobs' rows in as few BatchWriteRow requests as the service
 * allows, with each row's own condition and each row's own outcome.
 *
 * BatchWriteRow, as Tablestore documents it
 * (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow
 * and the English page https://help.aliyun.com/en/tablestore/developer-reference/batchwriterow, read 2026-12-02):
 * - it is a set of PutRow / UpdateRow / DeleteRow operations, each executed, answered and
 *   billed on its own; there is no atomicity unless `is_atomic` is asked for;
 * - the whole request is refused (OTSParameterInvalid) when it holds more than 200 rows or
 *   more than 4 MB, or the same primary key twice in one table, among other checks;
 * - otherwise the answer is HTTP 200 even when rows failed: every row's `is_ok` and
 *   `error` must be checked ("BatchWriteRow 可能出现行级别的部分失败，此时返回的HTTP状态码仍为 200").
 * The SDK passes a row's condition through (`encodeBatchWriteRow` → `_makeCondition` in
 * node_modules/tablestore/lib/protocol/encoder.js) and returns one flat list of
 * `{isOk, errorCode, errorMessage}` in request order (`_parseBatchWriteRow` in decoder.js).
 *
 * So: rows are sent in chunks of at most 200 and well under 4 MB; a row refused for load
 * (throttled, partition unavailable, row conflict) is sent again on its own in the next
 * round, after a back-off, until the call's deadline; a row whose failure may have been
 * applied is sent again only when its write is idempotent; everything else is that row's
 * final outcome. A failure of the whole request (after the client's own retries) is every
 * row's outcome in that chunk.
 */
import TableStore from 'tablestore';
import type { TablestoreClient } from './client';
import { classifyRowError, StoreError, type RetryClass } from './errors';
import { primaryKeyOf } from './row';
import type { ColumnUpdates } from './row-access';

/** Most rows one BatchWriteRow may carry (the service refuses more). */
export const MAX_BATCH_ROWS = 200;
/**
 * Most bytes we put in one BatchWriteRow, estimated from the cells: the service refuses
 * more than 4 MB; our estimate is generous per cell, and this keeps a wide margin below.
 */
export const MAX_BATCH_BYTES = 3 * 1024 * 1024;

/** One row's conditional write: an UpdateRow or a PutRow inside the batch. */
export interface RowWrite {
  jobId: string;
  condition: TableStore.Condition;
  /** UPDATE with these column updates, or PUT of these cells (the whole row). */
  change: { type: 'UPDATE'; updates: ColumnUpdates } | { type: 'PUT'; cells: Array<Record<string, unknown>> };
}

/** What became of one row. */
export type RowWriteResult = { kind: 'written' } | { kind: 'condition_failed' } | { kind: 'failed'; error: StoreError };

interface SdkRowResult {
  isOk: boolean;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/** Bytes a row adds to a request, estimated high: names, values and 16 bytes of framing per cell. */
function estimatedBytes(write: RowWrite): number {
  let bytes = 64 + 2 * write.jobId.length;
  const cells: unknown[] =
    write.change.type === 'PUT' ? write.change.cells : write.change.updates.flatMap((u): unknown[] => ('DELETE_ALL' in u ? u.DELETE_ALL : 'PUT' in u ? u.PUT : u.INCREMENT));
  for (const cell of cells) {
    if (typeof cell === 'string') bytes += 16 + cell.length;
    else for (const [name, value] of Object.entries(cell as Record<string, unknown>)) bytes += 16 + name.length + (typeof value === 'string' ? Buffer.byteLength(value) : 8);
  }
  return bytes;
}

/** Splits rows into requests the service accepts: ≤ MAX_BATCH_ROWS rows and ≤ MAX_BATCH_BYTES each. */
export function chunkRows(rows: readonly number[], sizeOf: (index: number) => number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of rows) {
    const size = sizeOf(index);
    if (current.length > 0 && (current.length >= MAX_BATCH_ROWS || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function sdkRow(write: RowWrite): Record<string, unknown> {
  const common = { primaryKey: primaryKeyOf(write.jobId), condition: write.condition, returnContent: { returnType: TableStore.ReturnType.NONE } };
  return write.change.type === 'UPDATE'
    ? { type: 'UPDATE', ...common, attributeColumns: write.change.updates }
    : { type: 'PUT', ...common, attributeColumns: write.change.cells };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes every row with its own condition; resolves with one result per row, in order.
 * Never rejects for a row's failure: a failed row (or a failed request) is that row's
 * `failed` result. Throws StoreError('invalid_outcome') when two rows name the same job,
 * which the service would refuse for the whole batch.
 *
 * @example
 * const results = await batchWrite(client, 'upload_results', rows, { deadlineAt: Date.now() + 3000, idempotent: true });
 * // => [{ kind: 'written' }, { kind: 'condition_failed' }, …]
 */
export async function batchWrite(client: TablestoreClient, table: string, rows: readonly RowWrite[], options: { deadlineAt: number; idempotent: boolean }): Promise<RowWriteResult[]> {
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.jobId)) throw new StoreError('invalid_outcome', `job ${row.jobId} appears twice in one batch write`, { retryable: false });
    seen.add(row.jobId);
  }
  const results: Array<RowWriteResult | undefined> = new Array<RowWriteResult | undefined>(rows.length);
  let pending = rows.map((_, i) => i);
  for (let round = 1; pending.length > 0; round += 1) {
    const again: number[] = [];
    const last: Array<{ index: number; error: StoreError }> = [];
    for (const chunk of chunkRows(pending, (i) => estimatedBytes(rows[i]!))) {
      let answer: { tables: SdkRowResult[] };
      try {
        answer = await client.call<{ tables: SdkRowResult[] }>(
          'batchWriteRow',
          { tables: [{ tableName: table, rows: chunk.map((i) => sdkRow(rows[i]!)) }] },
          { deadlineAt: options.deadlineAt, idempotent: options.idempotent },
        );
      } catch (err) {
        const error = err instanceof StoreError ? err : new StoreError('unavailable', `Tablestore BatchWriteRow failed: ${String(err)}`, { cause: err });
        for (const i of chunk) results[i] = { kind: 'failed', error };
        continue;
      }
      const answered = answer.tables ?? [];
      chunk.forEach((i, position) => {
        const row = answered[position];
        if (row === undefined) {
          results[i] = { kind: 'failed', error: new StoreError('unavailable', `Tablestore BatchWriteRow answered ${answered.length} rows for ${chunk.length}`, { retryable: true }) };
          return;
        }
        if (row.isOk) {
          results[i] = { kind: 'written' };
          return;
        }
        if (row.errorCode === 'OTSConditionCheckFail') {
          results[i] = { kind: 'condition_failed' };
          return;
        }
        const { error, retry } = classifyRowError('BatchWriteRow', row.errorCode ?? undefined, row.errorMessage ?? undefined);
        if (mayRepeat(retry, options.idempotent)) {
          again.push(i);
          last.push({ index: i, error });
        } else results[i] = { kind: 'failed', error };
      });
    }
    const delay = client.retryDelay(round);
    if (again.length === 0) break;
    if (round >= client.maxAttempts || Date.now() + delay >= options.deadlineAt) {
      for (const { index, error } of last) results[index] = { kind: 'failed', error };
      break;
    }
    await sleep(delay);
    pending = again;
  }
  return results.map((r) => r ?? { kind: 'failed', error: new StoreError('unavailable', 'row was not written', { retryable: true }) });
}

function mayRepeat(retry: RetryClass, idempotent: boolean): boolean {
  return retry === 'not_applied' || (retry === 'maybe_applied' && idempotent);
}
