/**
 * One table's rows, kept sorted by primary key so GetRange walks them in order.
 *
 * @example
 * const t = new Table(schema);
 * t.put({ key, columns: new Map() });
 * t.get(key); // the row, or undefined
 */
import type { KeyCell } from '../plainbuffer/model';
import { compareKeys } from './compare';
import type { StoredRow, TableSchema } from './model';

export class Table {
  private readonly rows: StoredRow[] = [];
  private lastAutoIncrement = 0n;

  constructor(readonly schema: TableSchema) {}

  get size(): number {
    return this.rows.length;
  }

  /** Index of the first row whose key is >= `key`. */
  lowerBound(key: readonly KeyCell[]): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.rows[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key: readonly KeyCell[]): StoredRow | undefined {
    const i = this.lowerBound(key);
    const row = this.rows[i];
    return row && compareKeys(row.key, key) === 0 ? row : undefined;
  }

  /** Inserts or replaces the row with the same key. */
  put(row: StoredRow): void {
    const i = this.lowerBound(row.key);
    const at = this.rows[i];
    if (at && compareKeys(at.key, row.key) === 0) this.rows[i] = row;
    else this.rows.splice(i, 0, row);
  }

  /** Removes the row with `key`; true when there was one. */
  delete(key: readonly KeyCell[]): boolean {
    const i = this.lowerBound(key);
    const at = this.rows[i];
    if (!at || compareKeys(at.key, key) !== 0) return false;
    this.rows.splice(i, 1);
    return true;
  }

  /** Row at a position of the sorted order. */
  at(index: number): StoredRow | undefined {
    return this.rows[index];
  }

  /** All rows in key order. */
  all(): readonly StoredRow[] {
    return this.rows;
  }

  /**
   * A fresh value for an AUTO_INCREMENT key column: strictly increasing, and, like the
   * service's, derived from the clock in microseconds so values stay unique across restarts.
   */
  nextAutoIncrement(): bigint {
    const fromClock = BigInt(Date.now()) * 1000n;
    this.lastAutoIncrement = fromClock > this.lastAutoIncrement ? fromClock : this.lastAutoIncrement + 1n;
    return this.lastAutoIncrement;
  }
}
