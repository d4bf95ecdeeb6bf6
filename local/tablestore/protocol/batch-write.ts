/**
 * The checks BatchWriteRow makes on the whole request before any row is written. The
 * reference lists when the whole request fails instead of single rows
 * (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow,
 * read 2026-12-02): a table that does not exist, a table named twice, a row without a
 * valid primary key, an invalid attribute column name or one equal to a primary key
 * column's, the same primary key twice in one table, more than 200 row operations or more
 * than 4 MB in all, a table without rows. The duplicate-key answer is the generic
 * "OTSParameterInvalid: The input parameter is invalid." of the FAQ about it
 * (https://alibabacloud.com/help/doc-detail/38586.html). Everything else is decided row
 * by row, and a failed row does not stop the others.
 */
import type { Database } from '../engine/database';
import { compareKeys } from '../engine/compare';
import { validateKey } from '../engine/keys';
import type { PlainRow } from '../plainbuffer/model';
import { parameterInvalid } from './errors';

export const MAX_BATCH_WRITE_ROWS = 200;
export const MAX_BATCH_WRITE_BYTES = 4 * 1024 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** One decoded row operation: 1 PUT, 2 UPDATE, 3 DELETE. */
export interface BatchRowChange {
  type: number;
  row: PlainRow;
  bytes: number;
}

/**
 * Throws the OtsError the service answers for the whole request, or returns when every
 * row may be tried on its own.
 */
export function checkBatchWrite(db: Database, tables: ReadonlyArray<{ tableName: string; rows: readonly BatchRowChange[] }>): void {
  if (tables.length === 0) throw parameterInvalid('No row specified in the request of BatchWriteRow.');
  const total = tables.reduce((n, t) => n + t.rows.length, 0);
  if (total > MAX_BATCH_WRITE_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${MAX_BATCH_WRITE_ROWS}.`);
  const bytes = tables.reduce((n, t) => n + t.rows.reduce((m, r) => m + r.bytes, 0), 0);
  if (bytes > MAX_BATCH_WRITE_BYTES) throw parameterInvalid(`Total data size exceeds the upper limit: ${MAX_BATCH_WRITE_BYTES}.`);
  const names = new Set<string>();
  for (const table of tables) {
    if (names.has(table.tableName)) throw parameterInvalid(`Duplicated table name: '${table.tableName}'.`);
    names.add(table.tableName);
    if (table.rows.length === 0) throw parameterInvalid(`No operation is specified for table: '${table.tableName}'.`);
    const schema = db.describeTable(table.tableName);
    const keys = [];
    for (const { type, row } of table.rows) {
      if (type !== 1 && type !== 2 && type !== 3) throw parameterInvalid(`Invalid operation type: ${type}.`);
      validateKey(schema, row.primaryKey, type === 3 ? 'read' : 'write');
      for (const cell of row.cells) {
        if (!NAME.test(cell.name)) throw parameterInvalid(`Invalid column name: '${cell.name}'.`);
        if (schema.primaryKey.some((k) => k.name === cell.name)) throw parameterInvalid(`The attribute column name conflicts with primary key: '${cell.name}'.`);
      }
      keys.push(row.primaryKey);
    }
    const sorted = [...keys].sort(compareKeys);
    for (let i = 1; i < sorted.length; i++) {
      if (compareKeys(sorted[i - 1]!, sorted[i]!) === 0) throw parameterInvalid('The input parameter is invalid.');
    }
  }
}
