/**
 * What the emulator stores: table schemas and rows. One version per column (the latest),
 * which is what GetRow/GetRange return with max_versions 1.
 */
import type { ColumnValue, KeyCell } from '../plainbuffer/model';

export type KeyType = 'INTEGER' | 'STRING' | 'BINARY';

export interface KeyColumnSchema {
  name: string;
  type: KeyType;
  autoIncrement: boolean;
}

export interface TableOptions {
  timeToLive: number;
  maxVersions: number;
  deviationCellVersionInSec: number;
  allowUpdate: boolean;
}

export interface TableSchema {
  name: string;
  primaryKey: KeyColumnSchema[];
  definedColumns: { name: string; type: number }[];
  options: TableOptions;
  reservedRead: number;
  reservedWrite: number;
  /** Epoch ms; reported as the last throughput increase time. */
  createdAt: number;
}

export interface StoredCell {
  value: ColumnValue;
  /** Version timestamp, epoch ms. */
  timestamp: number;
}

/** A row: its full primary key (no INF or AUTO_INCREMENT markers) and its columns. */
export interface StoredRow {
  key: KeyCell[];
  columns: Map<string, StoredCell>;
}
