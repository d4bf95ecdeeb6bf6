/**
 * Secondary indexes as the emulator keeps them: each index is a read-only table of its
 * own whose rows are derived from the data table's rows on every write.
 *
 * What the service does, and where it is written down:
 * - The index table's primary key is the index columns followed by every primary key
 *   column of the data table not already among them, in the data table's order
 *   ("autocomplete": https://www.alibabacloud.com/help/doc-detail/91947.htm; the
 *   CallRecordsUsingGlobalIndex example of aliyun/aliyun-tablestore-java-sdk,
 *   src/test/java/examples/CallRecordsUsingGlobalIndex.java at 132f64a1, reads index
 *   `[BaseStationNumber, StartTime]` of a table keyed `[CellNumber, StartTime]` with key
 *   `[BaseStationNumber, StartTime, CellNumber]`).
 * - Index columns are primary key columns or predefined columns of type INTEGER, STRING
 *   or BINARY; attribute columns are predefined columns
 *   (https://alibabacloud.com/help/en/tablestore/secondary-index-limits, read 2026-12-02).
 * - Sparse: a row lacking any index column is not indexed; a missing attribute column
 *   only leaves the index row without it (https://www.alibabacloud.com/help/doc-detail/91935.htm).
 * - A table with indexes keeps one version (max_versions 1) and never expires data
 *   (time_to_live -1) unless updates are disallowed (the "Create a secondary index" SDK
 *   pages' prerequisites, e.g. https://alibabacloud.com/help/en/tablestore/developer-reference/create-secondary-index-by-using-nodejs-sdk).
 * - At most 5 indexes per table, 1–4 index columns, 0–32 attribute columns, 0–32
 *   predefined columns; the messages are the service's as the Java SDK's
 *   functiontest/SecondaryIndexTest.java (517cd79e) asserts them.
 * - A local index's first key column is the data table's first key column (IndexMeta
 *   reference: https://help.aliyun.com/en/tablestore/table-store-service/developer-reference/indexmeta).
 *
 * The cloud updates a global index asynchronously (milliseconds behind); the emulator
 * updates every index within the write, as the service does for local indexes.
 */
import type { KeyCell } from '../plainbuffer/model';
import { OtsError, parameterInvalid } from '../protocol/errors';
import type { IndexDefinition, KeyColumnSchema, KeyType, StoredCell, StoredRow, TableSchema } from './model';

export const MAX_INDEXES_PER_TABLE = 5;
export const MAX_INDEX_KEY_COLUMNS = 4;
export const MAX_INDEX_ATTRIBUTE_COLUMNS = 32;
export const MAX_DEFINED_COLUMNS = 32;

/** DefinedColumnType numbers that may serve as index key columns (DCT_INTEGER, DCT_STRING, DCT_BLOB). */
const KEY_TYPE_OF_DEFINED: Readonly<Record<number, KeyType>> = { 1: 'INTEGER', 4: 'STRING', 7: 'BINARY' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** An index as CreateTable or CreateIndex asks for it (IndexMeta), before it exists. */
export interface IndexRequest {
  name: string;
  primaryKey: string[];
  definedColumns: string[];
  type: 'GLOBAL' | 'LOCAL';
  updateMode: 'ASYNC' | 'SYNC';
}

/** Throws OTSParameterInvalid when `main` may not have indexes (versions or TTL). */
export function checkIndexableTable(main: TableSchema): void {
  // Messages are ours; the service's wording for these two was not found in any source.
  if (main.options.maxVersions !== 1) throw parameterInvalid('The max version of a table with index must be 1.');
  if (main.options.timeToLive !== -1 && main.options.allowUpdate) {
    throw parameterInvalid('The time to live of a table with index must be -1 unless updates are disallowed.');
  }
}

/** Throws OTSParameterInvalid when a table defines more predefined columns than allowed. */
export function checkDefinedColumnCount(schema: TableSchema): void {
  if (schema.definedColumns.length > MAX_DEFINED_COLUMNS) {
    throw parameterInvalid(`The number of defined columns must be in range: [0, ${MAX_DEFINED_COLUMNS}].`);
  }
}

/** Throws the service's error when `count` indexes exceed the per-table quota. */
export function checkIndexCount(count: number): void {
  if (count > MAX_INDEXES_PER_TABLE) throw parameterInvalid(`Number of index per table exceeds the quota:${MAX_INDEXES_PER_TABLE}.`);
}

/**
 * The schema of the index table `request` asks for on `main`, after checking it.
 *
 * @example
 * indexTableSchema(results, { name: 'by_status', primaryKey: ['status', 'created_at'], definedColumns: [], type: 'GLOBAL', updateMode: 'ASYNC' }, Date.now())
 * // primary key: status STRING, created_at INTEGER, pk_hash STRING, job_id STRING
 */
export function indexTableSchema(main: TableSchema, request: IndexRequest, now: number): TableSchema {
  if (main.index) throw parameterInvalid(`Can not create index on index table: '${main.name}'.`);
  if (!NAME.test(request.name)) throw parameterInvalid(`Invalid index name: '${request.name}'.`);
  if (request.primaryKey.length < 1 || request.primaryKey.length > MAX_INDEX_KEY_COLUMNS) {
    throw parameterInvalid(`The number of primary key columns must be in range: [1, ${MAX_INDEX_KEY_COLUMNS}] in index.`);
  }
  if (request.definedColumns.length > MAX_INDEX_ATTRIBUTE_COLUMNS) {
    throw parameterInvalid(`The number of attribute columns must be in range: [0, ${MAX_INDEX_ATTRIBUTE_COLUMNS}] in index.`);
  }
  checkIndexableTable(main);

  const keyColumns: KeyColumnSchema[] = [];
  const seen = new Set<string>();
  for (const name of request.primaryKey) {
    if (seen.has(name)) throw parameterInvalid(`Duplicated primary key name in index: '${name}'.`);
    seen.add(name);
    keyColumns.push({ name, type: keyTypeOf(main, name), autoIncrement: false });
  }
  if (request.type === 'LOCAL' && request.primaryKey[0] !== main.primaryKey[0]!.name) {
    throw parameterInvalid(`The first primary key of local index must be the first primary key of the table: '${main.primaryKey[0]!.name}'.`);
  }
  for (const column of main.primaryKey) {
    if (!seen.has(column.name)) keyColumns.push({ name: column.name, type: column.type, autoIncrement: false });
  }
  const attributes = new Set<string>();
  for (const name of request.definedColumns) {
    if (!main.definedColumns.some((c) => c.name === name)) throw parameterInvalid(`Attribute column '${name}' of index is not a defined column of the table.`);
    if (seen.has(name) || attributes.has(name)) throw parameterInvalid(`Duplicated attribute column in index: '${name}'.`);
    attributes.add(name);
  }

  const definition: IndexDefinition = {
    mainTable: main.name,
    primaryKey: [...request.primaryKey],
    definedColumns: [...request.definedColumns],
    type: request.type,
    updateMode: request.updateMode,
  };
  return {
    name: request.name,
    primaryKey: keyColumns,
    definedColumns: main.definedColumns.filter((c) => attributes.has(c.name)),
    options: { ...main.options },
    reservedRead: 0,
    reservedWrite: 0,
    createdAt: now,
    index: definition,
  };
}

/** Key type of an index column: the data table's key column type, or the predefined column's. */
function keyTypeOf(main: TableSchema, column: string): KeyType {
  const key = main.primaryKey.find((k) => k.name === column);
  if (key) return key.type;
  const defined = main.definedColumns.find((c) => c.name === column);
  if (!defined) throw parameterInvalid(`Index column '${column}' is neither a primary key nor a defined column of the table.`);
  const type = KEY_TYPE_OF_DEFINED[defined.type];
  if (!type) throw parameterInvalid(`The type of index column '${column}' must be INTEGER, STRING or BINARY.`);
  return type;
}

/**
 * The index row a data-table row produces, or undefined when the row is not indexed
 * (an index column is missing, or holds a value of another type than its key column).
 */
export function indexRowOf(index: TableSchema, row: StoredRow): StoredRow | undefined {
  const definition = index.index;
  if (!definition) throw new OtsError('OTSInternalServerError', `${index.name} is not an index table`);
  const key: KeyCell[] = [];
  for (const column of index.primaryKey) {
    const fromKey = row.key.find((k) => k.name === column.name);
    const value = fromKey ? fromKey.value : row.columns.get(column.name)?.value;
    if (!value || value.type !== column.type) return undefined;
    key.push({ name: column.name, value } as KeyCell);
  }
  const columns = new Map<string, StoredCell>();
  for (const name of definition.definedColumns) {
    const cell = row.columns.get(name);
    if (cell) columns.set(name, cell);
  }
  return { key, columns };
}
