/**
 * The values and rows a PlainBuffer carries, as plain data. Integers are `bigint` so an
 * int64 never loses precision.
 */

/** A value an attribute column can hold. */
export type ColumnValue =
  | { type: 'INTEGER'; value: bigint }
  | { type: 'DOUBLE'; value: number }
  | { type: 'BOOLEAN'; value: boolean }
  | { type: 'STRING'; value: string }
  | { type: 'BINARY'; value: Buffer };

/** A value a primary-key column can hold in a request (the markers only in some places). */
export type KeyValue =
  | Extract<ColumnValue, { type: 'INTEGER' | 'STRING' | 'BINARY' }>
  | { type: 'INF_MIN' }
  | { type: 'INF_MAX' }
  | { type: 'AUTO_INCREMENT' };

/** What an update cell asks for; absent means "put this value". */
export type CellOperation = 'DELETE' | 'DELETE_ALL' | 'INCREMENT';

export interface KeyCell {
  name: string;
  value: KeyValue;
}

export interface Cell {
  name: string;
  value?: ColumnValue;
  op?: CellOperation;
  /** Version timestamp in milliseconds. */
  timestamp?: bigint;
}

export interface PlainRow {
  primaryKey: KeyCell[];
  cells: Cell[];
  /** Set on the row of a DeleteRow request. */
  deleteMarker?: boolean;
}
