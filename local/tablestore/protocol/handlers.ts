/**
 * One handler per API operation: decode the protobuf request, call the database, encode
 * the protobuf response. Rows travel as PlainBuffer inside the messages.
 *
 * @example
 * const response = createHandlers(db).PutRow!(requestBody); // Buffer
 */
import { decodeRow, PlainBufferError } from '../plainbuffer/decode';
import { encodeRow, encodeRows } from '../plainbuffer/encode';
import type { PlainRow } from '../plainbuffer/model';
import type { Database, ReadOptions, ReturnType, RowExistence, WriteCondition, WriteResult } from '../engine/database';
import type { IndexRequest } from '../engine/indexes';
import { parseFilter } from '../engine/filter';
import type { KeyType, TableSchema } from '../engine/model';
import { OtsError, parameterInvalid } from './errors';
import { decodeMessage, encodeMessage } from './schema';

export type Handler = (body: Buffer) => Buffer;

/** Batch limits from the API reference: BatchWriteRow ≤ 200 rows, BatchGetRow ≤ 100 rows. */
const MAX_BATCH_WRITE_ROWS = 200;
const MAX_BATCH_GET_ROWS = 100;

const KEY_TYPES: Record<number, KeyType> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };
const KEY_TYPE_NUMBERS: Record<KeyType, number> = { INTEGER: 1, STRING: 2, BINARY: 3 };
const EXISTENCE: Record<number, RowExistence> = { 0: 'IGNORE', 1: 'EXPECT_EXIST', 2: 'EXPECT_NOT_EXIST' };
const RETURN_TYPES: Record<number, ReturnType> = { 0: 'RT_NONE', 1: 'RT_PK', 2: 'RT_AFTER_MODIFY' };

function decode<T>(name: string, body: Uint8Array): T {
  try {
    return decodeMessage<T>(name, body);
  } catch (err) {
    throw parameterInvalid(`Failed to parse the ProtoBuf message: ${(err as Error).message}`);
  }
}

function row(bytes: Uint8Array | undefined, what: string): PlainRow {
  if (!bytes || bytes.length === 0) throw parameterInvalid(`The ${what} is missing.`);
  try {
    return decodeRow(bytes);
  } catch (err) {
    if (err instanceof PlainBufferError) throw parameterInvalid(`Invalid PlainBuffer in ${what}: ${err.message}`);
    throw err;
  }
}

interface ConditionMessage {
  rowExistence: number;
  columnCondition?: Buffer;
}

function condition(message: ConditionMessage): WriteCondition {
  const rowExistence = EXISTENCE[message.rowExistence];
  if (!rowExistence) throw parameterInvalid(`Invalid row existence expectation: ${message.rowExistence}.`);
  return message.columnCondition && message.columnCondition.length > 0
    ? { rowExistence, columnCondition: parseFilter(message.columnCondition) }
    : { rowExistence };
}

interface ReturnContentMessage {
  returnType?: number;
  returnColumnNames?: string[];
}

function returnType(message: ReturnContentMessage | undefined): ReturnType {
  const t = RETURN_TYPES[message?.returnType ?? 0];
  if (!t) throw parameterInvalid(`Invalid return type: ${String(message?.returnType)}.`);
  return t;
}

function readOptions(columnsToGet: string[] | undefined, filter: Buffer | undefined): ReadOptions {
  return {
    columnsToGet: columnsToGet ?? [],
    ...(filter && filter.length > 0 ? { filter: parseFilter(filter) } : {}),
  };
}

function consumed(read: number, write: number): object {
  return { capacityUnit: { read, write } };
}

function rowBytes(result: PlainRow | undefined): Buffer {
  return result ? encodeRow(result) : Buffer.alloc(0);
}

function writeResponse(name: string, result: WriteResult): Buffer {
  return encodeMessage(name, { consumed: consumed(0, 1), ...(result.returned ? { row: encodeRow(result.returned) } : {}) });
}

function schemaOf(request: CreateTableMessage): TableSchema {
  const meta = request.tableMeta;
  const options = request.tableOptions ?? {};
  return {
    name: meta.tableName,
    primaryKey: (meta.primaryKey ?? []).map((k) => {
      const type = KEY_TYPES[k.type];
      if (!type) throw parameterInvalid(`Invalid primary key type: ${k.type}.`);
      return { name: k.name, type, autoIncrement: k.option === 1 };
    }),
    definedColumns: (meta.definedColumn ?? []).map((c) => ({ name: c.name, type: c.type })),
    options: {
      timeToLive: options.timeToLive ?? -1,
      maxVersions: options.maxVersions ?? 1,
      deviationCellVersionInSec: Number(options.deviationCellVersionInSec ?? 86400),
      allowUpdate: options.allowUpdate ?? true,
    },
    reservedRead: request.reservedThroughput.capacityUnit.read ?? 0,
    reservedWrite: request.reservedThroughput.capacityUnit.write ?? 0,
    createdAt: Date.now(),
  };
}

interface IndexMetaMessage {
  name: string;
  primaryKey?: string[];
  definedColumn?: string[];
  indexUpdateMode?: number;
  indexType?: number;
}

/** An IndexMeta as the engine takes it (IndexType 0 global, 1 local; IndexUpdateMode 0 async, 1 sync). */
function indexRequest(meta: IndexMetaMessage): IndexRequest {
  if (meta.indexType !== undefined && meta.indexType !== 0 && meta.indexType !== 1) throw parameterInvalid(`Invalid index type: ${meta.indexType}.`);
  if (meta.indexUpdateMode !== undefined && meta.indexUpdateMode !== 0 && meta.indexUpdateMode !== 1) {
    throw parameterInvalid(`Invalid index update mode: ${meta.indexUpdateMode}.`);
  }
  return {
    name: meta.name,
    primaryKey: meta.primaryKey ?? [],
    definedColumns: meta.definedColumn ?? [],
    type: meta.indexType === 1 ? 'LOCAL' : 'GLOBAL',
    updateMode: meta.indexUpdateMode === 1 ? 'SYNC' : 'ASYNC',
  };
}

interface CreateTableMessage {
  indexMetas?: IndexMetaMessage[];
  tableMeta: {
    tableName: string;
    primaryKey?: { name: string; type: number; option?: number }[];
    definedColumn?: { name: string; type: number }[];
  };
  reservedThroughput: { capacityUnit: { read?: number; write?: number } };
  tableOptions?: { timeToLive?: number; maxVersions?: number; deviationCellVersionInSec?: string; allowUpdate?: boolean };
}

interface WriteRowMessage {
  tableName: string;
  row?: Buffer;
  rowChange?: Buffer;
  primaryKey?: Buffer;
  condition: ConditionMessage;
  returnContent?: ReturnContentMessage;
}

/** Handlers for every supported operation, keyed by the operation name in the URL path. */
export function createHandlers(db: Database): Record<string, Handler> {
  const errorOf = (err: unknown): { code: string; message: string } => {
    if (err instanceof OtsError) return { code: err.code, message: err.message };
    throw err;
  };

  return {
    CreateTable(body) {
      const request = decode<CreateTableMessage>('CreateTableRequest', body);
      db.createTable(schemaOf(request), (request.indexMetas ?? []).map(indexRequest));
      return encodeMessage('CreateTableResponse', {});
    },

    CreateIndex(body) {
      const r = decode<{ mainTableName: string; indexMeta: IndexMetaMessage; includeBaseData?: boolean }>('CreateIndexRequest', body);
      db.createIndex(r.mainTableName, indexRequest(r.indexMeta), r.includeBaseData ?? false);
      return encodeMessage('CreateIndexResponse', {});
    },

    DropIndex(body) {
      const r = decode<{ mainTableName: string; indexName: string }>('DropIndexRequest', body);
      db.dropIndex(r.mainTableName, r.indexName);
      return encodeMessage('DropIndexResponse', {});
    },

    DescribeTable(body) {
      const { tableName } = decode<{ tableName: string }>('DescribeTableRequest', body);
      const schema = db.describeTable(tableName);
      return encodeMessage('DescribeTableResponse', {
        tableMeta: {
          tableName: schema.name,
          primaryKey: schema.primaryKey.map((k) => ({ name: k.name, type: KEY_TYPE_NUMBERS[k.type], ...(k.autoIncrement ? { option: 1 } : {}) })),
          definedColumn: schema.definedColumns,
        },
        reservedThroughputDetails: {
          capacityUnit: { read: schema.reservedRead, write: schema.reservedWrite },
          lastIncreaseTime: Math.floor(schema.createdAt / 1000),
        },
        tableOptions: {
          timeToLive: schema.options.timeToLive,
          maxVersions: schema.options.maxVersions,
          deviationCellVersionInSec: schema.options.deviationCellVersionInSec,
          allowUpdate: schema.options.allowUpdate,
        },
        tableStatus: 1,
        // The emulator indexes within the write, so every index is always in its incremental phase.
        indexMetas: db.indexesOf(schema.name).map((i) => ({
          name: i.name,
          primaryKey: i.primaryKey,
          definedColumn: i.definedColumns,
          indexUpdateMode: i.updateMode === 'SYNC' ? 1 : 0,
          indexType: i.type === 'LOCAL' ? 1 : 0,
          indexSyncPhase: 2,
        })),
      });
    },

    ListTable() {
      return encodeMessage('ListTableResponse', { tableNames: db.listTables() });
    },

    DeleteTable(body) {
      db.deleteTable(decode<{ tableName: string }>('DeleteTableRequest', body).tableName);
      return encodeMessage('DeleteTableResponse', {});
    },

    PutRow(body) {
      const r = decode<WriteRowMessage>('PutRowRequest', body);
      return writeResponse('PutRowResponse', db.putRow(r.tableName, row(r.row, 'row'), condition(r.condition), returnType(r.returnContent)));
    },

    UpdateRow(body) {
      const r = decode<WriteRowMessage>('UpdateRowRequest', body);
      const result = db.updateRow(
        r.tableName,
        row(r.rowChange, 'row change'),
        condition(r.condition),
        returnType(r.returnContent),
        r.returnContent?.returnColumnNames ?? [],
      );
      return writeResponse('UpdateRowResponse', result);
    },

    DeleteRow(body) {
      const r = decode<WriteRowMessage>('DeleteRowRequest', body);
      return writeResponse(
        'DeleteRowResponse',
        db.deleteRow(r.tableName, row(r.primaryKey, 'primary key'), condition(r.condition), returnType(r.returnContent)),
      );
    },

    GetRow(body) {
      const r = decode<{ tableName: string; primaryKey: Buffer; columnsToGet?: string[]; filter?: Buffer }>('GetRowRequest', body);
      const key = row(r.primaryKey, 'primary key').primaryKey;
      const found = db.getRow(r.tableName, key, readOptions(r.columnsToGet, r.filter));
      return encodeMessage('GetRowResponse', { consumed: consumed(1, 0), row: rowBytes(found) });
    },

    GetRange(body) {
      const r = decode<{
        tableName: string;
        direction: number;
        columnsToGet?: string[];
        limit?: number;
        inclusiveStartPrimaryKey: Buffer;
        exclusiveEndPrimaryKey: Buffer;
        filter?: Buffer;
      }>('GetRangeRequest', body);
      const direction = r.direction === 1 ? 'BACKWARD' : 'FORWARD';
      const start = row(r.inclusiveStartPrimaryKey, 'inclusive start primary key').primaryKey;
      const end = row(r.exclusiveEndPrimaryKey, 'exclusive end primary key').primaryKey;
      const result = db.getRange(r.tableName, direction, start, end, r.limit, readOptions(r.columnsToGet, r.filter));
      return encodeMessage('GetRangeResponse', {
        consumed: consumed(Math.max(1, result.rows.length), 0),
        rows: result.rows.length > 0 ? encodeRows(result.rows) : Buffer.alloc(0),
        ...(result.nextStartKey ? { nextStartPrimaryKey: encodeRow({ primaryKey: result.nextStartKey, cells: [] }) } : {}),
      });
    },

    BatchGetRow(body) {
      const r = decode<{ tables?: { tableName: string; primaryKey?: Buffer[]; columnsToGet?: string[]; filter?: Buffer }[] }>(
        'BatchGetRowRequest',
        body,
      );
      const tables = r.tables ?? [];
      const total = tables.reduce((n, t) => n + (t.primaryKey?.length ?? 0), 0);
      if (total > MAX_BATCH_GET_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${MAX_BATCH_GET_ROWS}.`);
      return encodeMessage('BatchGetRowResponse', {
        tables: tables.map((t) => {
          if (!t.primaryKey || t.primaryKey.length === 0) throw parameterInvalid(`No row specified in table: '${t.tableName}'.`);
          const options = readOptions(t.columnsToGet, t.filter);
          return {
            tableName: t.tableName,
            rows: t.primaryKey.map((pk) => {
              try {
                const found = db.getRow(t.tableName, row(pk, 'primary key').primaryKey, options);
                return { isOk: true, consumed: consumed(1, 0), row: rowBytes(found) };
              } catch (err) {
                return { isOk: false, error: errorOf(err) };
              }
            }),
          };
        }),
      });
    },

    BatchWriteRow(body) {
      const r = decode<{
        tables?: {
          tableName: string;
          rows?: { type: number; rowChange: Buffer; condition: ConditionMessage; returnContent?: ReturnContentMessage }[];
        }[];
      }>('BatchWriteRowRequest', body);
      const tables = r.tables ?? [];
      if (tables.length === 0) throw parameterInvalid('No row specified in the request of BatchWriteRow.');
      const total = tables.reduce((n, t) => n + (t.rows?.length ?? 0), 0);
      if (total > MAX_BATCH_WRITE_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${MAX_BATCH_WRITE_ROWS}.`);
      for (const t of tables) {
        if (!t.rows || t.rows.length === 0) throw parameterInvalid(`No operation is specified for table: '${t.tableName}'.`);
      }
      return encodeMessage('BatchWriteRowResponse', {
        tables: tables.map((t) => ({
          tableName: t.tableName,
          rows: (t.rows ?? []).map((item) => {
            try {
              const change = row(item.rowChange, 'row change');
              const cond = condition(item.condition);
              const rt = returnType(item.returnContent);
              let result: WriteResult;
              if (item.type === 1) result = db.putRow(t.tableName, change, cond, rt);
              else if (item.type === 2) result = db.updateRow(t.tableName, change, cond, rt, item.returnContent?.returnColumnNames ?? []);
              else if (item.type === 3) result = db.deleteRow(t.tableName, change, cond, rt);
              else throw parameterInvalid(`Invalid operation type: ${item.type}.`);
              return { isOk: true, consumed: consumed(0, 1), ...(result.returned ? { row: encodeRow(result.returned) } : {}) };
            } catch (err) {
              return { isOk: false, error: errorOf(err) };
            }
          }),
        })),
      });
    },
  };
}

