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

/**
 * What makes a table a secondary index of another (IndexMeta in the API): its key columns
 * as requested, its attribute columns, type and update mode. The index table's own
 * primary key (these columns, then the data table's missing key columns) is in the schema.
 */
export interface IndexDefinition {
  /** The data table the index belongs to. */
  mainTable: string;
  primaryKey: string[];
  definedColumns: string[];
  type: 'GLOBAL' | 'LOCAL';
  updateMode: 'ASYNC' | 'SYNC';
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
  /** Set on an index table: which data table it indexes, and how. */
  index?: IndexDefinition;
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
