/**
 * Capacity units (CU) as Tablestore meters them, so the emulator can answer each request
 * with what the service would report as consumed and keep a running total for cost models
 * (`emulator.capacityUnits()`).
 *
 * Rules, from Tablestore's documentation (read 2026-12-02):
 * - 1 read CU per 4 KB read and 1 write CU per 4 KB written, each rounded up to the next
 *   4 KB (https://www.alibabacloud.com/help/doc-detail/27284.htm, "Rules that are used to
 *   calculate CUs": 7.6 KB written is 2 write CUs, 0.1 KB read is 1 read CU);
 * - a written row's size is its primary key plus the attribute columns written; for a
 *   column deleted by UpdateRow only its name counts; a write that checks the row
 *   (EXPECT_EXIST / EXPECT_NOT_EXIST) also consumes ceil(primary key size / 4 KB) read CUs;
 *   a write whose condition fails consumes 1 write CU and 1 read CU (PutRow and UpdateRow
 *   references, "服务能力单元消耗": https://help.aliyun.com/document_detail/27306.html,
 *   https://help.aliyun.com/document_detail/27307.html);
 * - BatchWriteRow meters each row as the single-row operation it carries (BatchWriteRow
 *   reference: "独立计算服务能力单元").
 * Not written down, and ours: a column condition is metered like a row check (one read of
 * the key); a read of a missing row costs 1 read CU (a 0-byte read rounded up).
 */
import type { Cell, ColumnValue, KeyCell, PlainRow } from '../plainbuffer/model';
import type { WriteCondition } from '../engine/database';

export interface Consumed {
  read: number;
  write: number;
}

const UNIT = 4096;

function valueBytes(value: ColumnValue | KeyCell['value'] | undefined): number {
  if (value === undefined) return 0;
  switch (value.type) {
    case 'STRING':
      return Buffer.byteLength(value.value, 'utf8');
    case 'BINARY':
      return value.value.length;
    case 'BOOLEAN':
      return 1;
    default:
      return 8;
  }
}

/** Bytes of a primary key: each column's name and value. */
export function keyBytes(key: readonly KeyCell[]): number {
  return key.reduce((n, k) => n + Buffer.byteLength(k.name, 'utf8') + valueBytes(k.value), 0);
}

/** Bytes of the attribute cells of a write or a read (a deleted column counts its name only). */
export function cellBytes(cells: readonly Cell[]): number {
  return cells.reduce((n, c) => n + Buffer.byteLength(c.name, 'utf8') + (c.op === 'DELETE' || c.op === 'DELETE_ALL' ? 0 : valueBytes(c.value)), 0);
}

function units(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / UNIT));
}

/** What a write of `row` under `condition` consumes: `applied` false when its condition failed. */
export function writeConsumed(row: PlainRow, condition: WriteCondition, applied: boolean): Consumed {
  if (!applied) return { read: 1, write: 1 };
  const pk = keyBytes(row.primaryKey);
  const checksRow = condition.rowExistence !== 'IGNORE' || condition.columnCondition !== undefined;
  return { write: units(pk + cellBytes(row.cells)), read: checksRow ? units(pk) : 0 };
}

/** What reading `rows` consumes (at least 1 read CU, also for nothing found). */
export function readConsumed(rows: readonly PlainRow[]): Consumed {
  const bytes = rows.reduce((n, r) => n + keyBytes(r.primaryKey) + cellBytes(r.cells), 0);
  return { read: units(bytes), write: 0 };
}

/** A running total of consumed CUs. */
export class CapacityMeter {
  read = 0;
  write = 0;

  add(consumed: Consumed): Consumed {
    this.read += consumed.read;
    this.write += consumed.write;
    return consumed;
  }

  reset(): void {
    this.read = 0;
    this.write = 0;
  }
}
