/**
 * The emulator's data and the semantics of every operation, independent of the wire:
 * tables, conditional writes, reads with projections and filters, ranges. Each call is
 * synchronous, so a request is atomic with respect to every other request.
 *
 * @example
 * const db = new Database();
 * db.createTable(schema);
 * db.putRow('t', row, { rowExistence: 'EXPECT_NOT_EXIST' }, 'RT_NONE');
 */
import type { Cell, ColumnValue, KeyCell, PlainRow } from '../plainbuffer/model';
import { conditionCheckFail, OtsError, parameterInvalid, tableNotExist } from '../protocol/errors';
import { compareKeys } from './compare';
import { paginationOf, rowPasses, type ColumnFilter } from './filter';
import { checkDefinedColumnCount, checkIndexableTable, checkIndexCount, indexRowOf, indexTableSchema, type IndexRequest } from './indexes';
import { validateKey } from './keys';
import type { IndexDefinition, StoredCell, StoredRow, TableSchema } from './model';
import { Table } from './table';

export type RowExistence = 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';
export type ReturnType = 'RT_NONE' | 'RT_PK' | 'RT_AFTER_MODIFY';

export interface WriteCondition {
  rowExistence: RowExistence;
  columnCondition?: ColumnFilter;
}

export interface ReadOptions {
  columnsToGet?: readonly string[];
  filter?: ColumnFilter;
}

export interface WriteResult {
  /** Row to return to the client (primary key and/or modified columns), if any. */
  returned?: PlainRow;
}

export interface RangeResult {
  rows: PlainRow[];
  nextStartKey?: KeyCell[];
}

/** A change to persist; replaying changes in order rebuilds the data. */
export type Change =
  | { kind: 'createTable'; schema: TableSchema }
  | { kind: 'deleteTable'; table: string }
  | { kind: 'putRow'; table: string; row: StoredRow }
  | { kind: 'deleteRow'; table: string; key: KeyCell[] };

/** The service's per-response cap on GetRange rows (GetRange API reference: limit ≤ 5000). */
export const MAX_RANGE_ROWS = 5000;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export class Database {
  private readonly tables = new Map<string, Table>();

  /** `onChange` sees every change after it is applied (persistence hooks in here). */
  constructor(private readonly onChange: (change: Change) => void = () => {}) {}

  /** Applies a change without reporting it (used when replaying a journal). */
  replay(change: Change): void {
    switch (change.kind) {
      case 'createTable':
        this.tables.set(change.schema.name, new Table(change.schema));
        break;
      case 'deleteTable':
        this.tables.delete(change.table);
        break;
      case 'putRow':
        this.tables.get(change.table)?.put(change.row);
        break;
      case 'deleteRow':
        this.tables.get(change.table)?.delete(change.key);
        break;
    }
  }

  /** Every table with its rows, for writing a snapshot. */
  snapshot(): { schema: TableSchema; rows: readonly StoredRow[] }[] {
    return [...this.tables.values()].map((t) => ({ schema: t.schema, rows: t.all() }));
  }

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw tableNotExist();
    return t;
  }

  /** A table rows may be written to: index tables are read-only (their rows follow the data table's). */
  private writableTable(name: string): Table {
    const t = this.table(name);
    // Message ours: "The data in the index table is read-only" (secondary index overview,
    // https://alibabacloud.com/help/en/tablestore/latest/secondary-index-overview); the wording of the refusal is unverified.
    if (t.schema.index) throw parameterInvalid(`Index table '${name}' is read-only: write to its data table '${t.schema.index.mainTable}'.`);
    return t;
  }

  /** Index tables of a data table, in creation order. */
  private indexTablesOf(mainName: string): Table[] {
    return [...this.tables.values()].filter((t) => t.schema.index?.mainTable === mainName);
  }

  // ---- tables -------------------------------------------------------------

  /** CreateTable, with the indexes the request carries (created with the table, empty). */
  createTable(schema: TableSchema, indexes: readonly IndexRequest[] = []): void {
    if (!NAME.test(schema.name)) throw parameterInvalid(`Invalid table name: '${schema.name}'.`);
    if (schema.primaryKey.length < 1 || schema.primaryKey.length > 4) {
      throw parameterInvalid('The number of primary key columns must be in range: [1, 4].');
    }
    const seen = new Set<string>();
    for (const column of schema.primaryKey) {
      if (!NAME.test(column.name)) throw parameterInvalid(`Invalid primary key name: '${column.name}'.`);
      if (seen.has(column.name)) throw parameterInvalid(`Duplicated primary key name: '${column.name}'.`);
      seen.add(column.name);
    }
    if (schema.primaryKey[0]!.autoIncrement) throw parameterInvalid('The first primary key can not be auto increment.');
    if (schema.options.maxVersions < 1) throw parameterInvalid('max_versions must be greater than 0.');
    checkDefinedColumnCount(schema);
    if (this.tables.has(schema.name)) throw new OtsError('OTSObjectAlreadyExist', 'Requested table already exists.');
    // Every index is checked before anything is created, so a bad one creates nothing.
    const indexSchemas: TableSchema[] = [];
    if (indexes.length > 0) {
      checkIndexableTable(schema);
      checkIndexCount(indexes.length);
      for (const request of indexes) {
        const indexSchema = indexTableSchema(schema, request, schema.createdAt);
        if (this.tables.has(indexSchema.name) || indexSchema.name === schema.name || indexSchemas.some((i) => i.name === indexSchema.name)) {
          throw new OtsError('OTSObjectAlreadyExist', `Requested index already exists: '${indexSchema.name}'.`);
        }
        indexSchemas.push(indexSchema);
      }
    }
    this.tables.set(schema.name, new Table(schema));
    this.onChange({ kind: 'createTable', schema });
    for (const indexSchema of indexSchemas) {
      this.tables.set(indexSchema.name, new Table(indexSchema));
      this.onChange({ kind: 'createTable', schema: indexSchema });
    }
  }

  /**
   * CreateIndex on an existing data table. With `includeBaseData` the rows already in
   * the table are indexed too; without, only rows written from now on.
   */
  createIndex(mainName: string, request: IndexRequest, includeBaseData: boolean, now = Date.now()): void {
    const main = this.table(mainName);
    const indexSchema = indexTableSchema(main.schema, request, now);
    checkIndexCount(this.indexTablesOf(mainName).length + 1);
    if (this.tables.has(indexSchema.name)) throw new OtsError('OTSObjectAlreadyExist', `Requested index already exists: '${indexSchema.name}'.`);
    const index = new Table(indexSchema);
    this.tables.set(indexSchema.name, index);
    this.onChange({ kind: 'createTable', schema: indexSchema });
    if (includeBaseData) {
      for (const row of main.all()) {
        const indexRow = indexRowOf(indexSchema, row);
        if (indexRow) this.store(index, indexRow);
      }
    }
  }

  /** DropIndex: removes one index of a data table. */
  dropIndex(mainName: string, indexName: string): void {
    this.table(mainName);
    const index = this.tables.get(indexName);
    if (!index || index.schema.index?.mainTable !== mainName) throw new OtsError('OTSObjectNotExist', `Requested index does not exist: '${indexName}'.`);
    this.tables.delete(indexName);
    this.onChange({ kind: 'deleteTable', table: indexName });
  }

  describeTable(name: string): TableSchema {
    return this.table(name).schema;
  }

  /** The indexes of a data table, as DescribeTable lists them. */
  indexesOf(mainName: string): (IndexDefinition & { name: string })[] {
    return this.indexTablesOf(mainName).map((t) => ({ name: t.schema.name, ...t.schema.index! }));
  }

  /** Data tables only: index tables are described with their data table (unverified whether ListTable lists them). */
  listTables(): string[] {
    return [...this.tables.values()].filter((t) => !t.schema.index).map((t) => t.schema.name);
  }

  /** DeleteTable: a data table goes with its indexes (the "Delete a data table" SDK pages' usage notes). */
  deleteTable(name: string): void {
    const table = this.table(name);
    if (table.schema.index) throw parameterInvalid(`'${name}' is an index table: drop it with DropIndex.`);
    for (const index of this.indexTablesOf(name)) {
      this.tables.delete(index.schema.name);
      this.onChange({ kind: 'deleteTable', table: index.schema.name });
    }
    this.tables.delete(name);
    this.onChange({ kind: 'deleteTable', table: name });
  }

  // ---- writes -------------------------------------------------------------

  private checkCondition(condition: WriteCondition, existing: StoredRow | undefined): void {
    if (condition.rowExistence === 'EXPECT_EXIST' && !existing) throw conditionCheckFail();
    if (condition.rowExistence === 'EXPECT_NOT_EXIST' && existing) throw conditionCheckFail();
    if (condition.columnCondition) {
      if (condition.columnCondition.kind === 'pagination') throw parameterInvalid('Column pagination is not a condition.');
      if (!rowPasses(condition.columnCondition, existing?.columns ?? new Map())) throw conditionCheckFail();
    }
  }

  /** Resolves AUTO_INCREMENT placeholders of a write key into fresh values. */
  private concreteKey(table: Table, key: readonly KeyCell[]): KeyCell[] {
    return key.map((cell) =>
      cell.value.type === 'AUTO_INCREMENT' ? { name: cell.name, value: { type: 'INTEGER', value: table.nextAutoIncrement() } } : cell,
    );
  }

  private returned(returnType: ReturnType, key: KeyCell[], cells: Cell[] = []): WriteResult {
    if (returnType === 'RT_PK') return { returned: { primaryKey: key, cells: [] } };
    if (returnType === 'RT_AFTER_MODIFY') return { returned: { primaryKey: key, cells } };
    return {};
  }

  private store(table: Table, row: StoredRow): void {
    const before = table.schema.index ? undefined : table.get(row.key);
    table.put(row);
    this.onChange({ kind: 'putRow', table: table.schema.name, row });
    if (!table.schema.index) this.maintainIndexes(table, before, row);
  }

  /** Removes a row of a data table, and its index rows. */
  private remove(table: Table, key: KeyCell[]): void {
    const before = table.get(key);
    if (!before || !table.delete(key)) return;
    this.onChange({ kind: 'deleteRow', table: table.schema.name, key });
    this.maintainIndexes(table, before, undefined);
  }

  /** Moves each index of `table` from the row as it was (`before`) to the row as it is (`after`). */
  private maintainIndexes(table: Table, before: StoredRow | undefined, after: StoredRow | undefined): void {
    for (const index of this.indexTablesOf(table.schema.name)) {
      const old = before && indexRowOf(index.schema, before);
      const next = after && indexRowOf(index.schema, after);
      if (old && (!next || compareKeys(old.key, next.key) !== 0) && index.delete(old.key)) {
        this.onChange({ kind: 'deleteRow', table: index.schema.name, key: old.key });
      }
      if (next) this.store(index, next);
    }
  }

  private checkAttributeNames(table: Table, cells: readonly Cell[]): void {
    for (const cell of cells) {
      if (!NAME.test(cell.name)) throw parameterInvalid(`Invalid column name: '${cell.name}'.`);
      if (table.schema.primaryKey.some((k) => k.name === cell.name)) {
        throw parameterInvalid(`The attribute column name conflicts with primary key: '${cell.name}'.`);
      }
    }
  }

  /** PutRow: replaces the whole row (all columns) when the condition holds. */
  putRow(tableName: string, row: PlainRow, condition: WriteCondition, returnType: ReturnType, now = Date.now()): WriteResult {
    const table = this.writableTable(tableName);
    validateKey(table.schema, row.primaryKey, 'write');
    if (row.deleteMarker) throw parameterInvalid('A put row must not carry a delete marker.');
    this.checkAttributeNames(table, row.cells);
    const columns = new Map<string, StoredCell>();
    for (const cell of row.cells) {
      if (cell.op !== undefined || cell.value === undefined) throw parameterInvalid(`Invalid operation for column '${cell.name}' in PutRow.`);
      const timestamp = cell.timestamp !== undefined ? Number(cell.timestamp) : now;
      const prior = columns.get(cell.name);
      if (!prior || prior.timestamp <= timestamp) columns.set(cell.name, { value: cell.value, timestamp });
    }
    const key = this.concreteKey(table, row.primaryKey);
    this.checkCondition(condition, table.get(key));
    this.store(table, { key, columns });
    return this.returned(returnType, key);
  }

  /** UpdateRow: PUT, DELETE (one version), DELETE_ALL and INCREMENT cells on one row. */
  updateRow(tableName: string, row: PlainRow, condition: WriteCondition, returnType: ReturnType, returnColumns: readonly string[] = [], now = Date.now()): WriteResult {
    const table = this.writableTable(tableName);
    if (condition.rowExistence === 'EXPECT_NOT_EXIST') throw parameterInvalid('Invalid condition: EXPECT_NOT_EXIST while updating row.');
    validateKey(table.schema, row.primaryKey, 'write');
    if (row.cells.length === 0) throw parameterInvalid('No column specified while updating row.');
    this.checkAttributeNames(table, row.cells);
    const key = this.concreteKey(table, row.primaryKey);
    const existing = table.get(key);
    this.checkCondition(condition, existing);

    const columns = new Map(existing?.columns ?? []);
    const incremented: Cell[] = [];
    let putSomething = false;
    for (const cell of row.cells) {
      const current = columns.get(cell.name);
      switch (cell.op) {
        case undefined: {
          if (!cell.value) throw parameterInvalid(`Column '${cell.name}' has no value to put.`);
          const timestamp = cell.timestamp !== undefined ? Number(cell.timestamp) : now;
          if (!current || current.timestamp <= timestamp) columns.set(cell.name, { value: cell.value, timestamp });
          putSomething = true;
          break;
        }
        case 'DELETE':
          if (cell.timestamp === undefined) throw parameterInvalid(`Timestamp is required to delete one version of column '${cell.name}'.`);
          if (current && current.timestamp === Number(cell.timestamp)) columns.delete(cell.name);
          break;
        case 'DELETE_ALL':
          columns.delete(cell.name);
          break;
        case 'INCREMENT': {
          if (cell.value?.type !== 'INTEGER') throw parameterInvalid(`The increment value of column '${cell.name}' must be an integer.`);
          if (current && current.value.type !== 'INTEGER') {
            throw parameterInvalid(`The data type of column '${cell.name}' is not integer, it can not be incremented.`);
          }
          const base = current?.value.type === 'INTEGER' ? current.value.value : 0n;
          const sum = base + cell.value.value;
          if (sum !== BigInt.asIntN(64, sum)) throw parameterInvalid(`Increment of column '${cell.name}' overflows int64.`);
          const value: ColumnValue = { type: 'INTEGER', value: sum };
          columns.set(cell.name, { value, timestamp: now });
          incremented.push({ name: cell.name, value, timestamp: BigInt(now) });
          putSomething = true;
          break;
        }
      }
    }
    if (columns.size === 0 && !putSomething) {
      if (existing) this.remove(table, key);
    } else {
      this.store(table, { key, columns });
    }
    const wanted = new Set(returnColumns);
    return this.returned(returnType, key, incremented.filter((c) => wanted.has(c.name)));
  }

  /** DeleteRow: removes the row when the condition holds (deleting nothing is fine). */
  deleteRow(tableName: string, row: PlainRow, condition: WriteCondition, returnType: ReturnType): WriteResult {
    const table = this.writableTable(tableName);
    if (condition.rowExistence === 'EXPECT_NOT_EXIST') throw parameterInvalid('Invalid condition: EXPECT_NOT_EXIST while deleting row.');
    validateKey(table.schema, row.primaryKey, 'read');
    const key = row.primaryKey;
    this.checkCondition(condition, table.get(key));
    this.remove(table, key);
    return this.returned(returnType, key);
  }

  // ---- reads --------------------------------------------------------------

  /** The row as a read returns it, or undefined when nothing is to be returned. */
  private project(table: Table, row: StoredRow, options: ReadOptions): PlainRow | undefined {
    if (options.filter && !rowPasses(options.filter, row.columns)) return undefined;
    let names = [...row.columns.keys()].sort();
    const wanted = options.columnsToGet && options.columnsToGet.length > 0 ? new Set(options.columnsToGet) : undefined;
    let wantsKey = true;
    if (wanted) {
      names = names.filter((n) => wanted.has(n));
      wantsKey = table.schema.primaryKey.some((k) => wanted.has(k.name));
    }
    const page = paginationOf(options.filter);
    if (page) names = names.slice(page.offset, page.offset + page.limit);
    // Asking only for columns the row lacks reads as "no row" (GetRow API semantics).
    if (names.length === 0 && wanted && !wantsKey) return undefined;
    return {
      primaryKey: row.key,
      cells: names.map((name) => {
        const cell = row.columns.get(name)!;
        return { name, value: cell.value, timestamp: BigInt(cell.timestamp) };
      }),
    };
  }

  getRow(tableName: string, key: readonly KeyCell[], options: ReadOptions = {}): PlainRow | undefined {
    const table = this.table(tableName);
    validateKey(table.schema, key, 'read');
    const row = table.get(key);
    return row ? this.project(table, row, options) : undefined;
  }

  /**
   * GetRange: rows from `start` (inclusive) towards `end` (exclusive), at most `limit`;
   * `nextStartKey` is where to continue when more rows remain.
   */
  getRange(tableName: string, direction: 'FORWARD' | 'BACKWARD', start: KeyCell[], end: KeyCell[], limit: number | undefined, options: ReadOptions = {}): RangeResult {
    const table = this.table(tableName);
    validateKey(table.schema, start, 'range');
    validateKey(table.schema, end, 'range');
    if (limit !== undefined && limit <= 0) throw parameterInvalid('The limit must be greater than 0.');
    const order = compareKeys(start, end);
    if (direction === 'FORWARD' && order > 0) throw parameterInvalid('Begin key must less than end key in FORWARD');
    if (direction === 'BACKWARD' && order < 0) throw parameterInvalid('Begin key must more than end key in BACKWARD');
    const max = Math.min(limit ?? MAX_RANGE_ROWS, MAX_RANGE_ROWS);
    const rows: PlainRow[] = [];
    const step = direction === 'FORWARD' ? 1 : -1;
    let i = direction === 'FORWARD' ? table.lowerBound(start) : table.lowerBound(start) - 1;
    if (direction === 'BACKWARD') {
      const atStart = table.at(i + 1);
      if (atStart && compareKeys(atStart.key, start) === 0) i += 1;
    }
    const inRange = (row: StoredRow): boolean =>
      direction === 'FORWARD' ? compareKeys(row.key, end) < 0 : compareKeys(row.key, end) > 0;
    for (; ; i += step) {
      const row = table.at(i);
      if (!row || !inRange(row)) return { rows };
      if (rows.length >= max) return { rows, nextStartKey: row.key };
      const projected = this.project(table, row, options);
      if (projected) rows.push(projected);
    }
  }
}
