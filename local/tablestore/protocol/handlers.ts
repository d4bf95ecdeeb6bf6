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
import { CapacityMeter, readConsumed, writeConsumed, type Consumed } from './capacity';
import { checkBatchWrite, type BatchRowChange } from './batch-write';
import type { FaultInjector } from '../../faults';

export type Handler = (body: Buffer) => Buffer;

/** Batch limit from the API reference: BatchGetRow ≤ 100 rows (BatchWriteRow's are in batch-write.ts). */
const MAX_BATCH_GET_ROWS = 100;

/**
 * Fault rules under this operation name fail single rows of BatchWriteRow requests (the
 * next `count` rows, in any request) with the rule's code, the row unwritten, as the
 * service reports a row it could not write inside an HTTP 200 answer.
 */
export const BATCH_ROW_FAULT = 'BatchWriteRow:row';

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

function consumed(units: Consumed): object {
  return { capacityUnit: { read: units.read, write: units.write } };
}

function rowBytes(result: PlainRow | undefined): Buffer {
  return result ? encodeRow(result) : Buffer.alloc(0);
}

function writeResponse(name: string, result: WriteResult, units: Consumed): Buffer {
  return encodeMessage(name, { consumed: consumed(units), ...(result.returned ? { row: encodeRow(result.returned) } : {}) });
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

/** What the handlers share besides the data: the capacity meter, and row-level faults. */
export interface HandlerOptions {
  meter?: CapacityMeter;
  faults?: FaultInjector;
}

/** Handlers for every supported operation, keyed by the operation name in the URL path. */
export function createHandlers(db: Database, options: HandlerOptions = {}): Record<string, Handler> {
  const meter = options.meter ?? new CapacityMeter();
  const errorOf = (err: unknown): { code: string; message: string } => {
    if (err instanceof OtsError) return { code: err.code, message: err.message };
    throw err;
  };
  /** Runs one conditional write and meters it, a failed condition included (1 read + 1 write CU). */
  const metered = (row: PlainRow, cond: WriteCondition, write: () => WriteResult): { result: WriteResult; units: Consumed } => {
    try {
      const result = write();
      return { result, units: meter.add(writeConsumed(row, cond, true)) };
    } catch (err) {
      if (err instanceof OtsError && err.code === 'OTSConditionCheckFail') meter.add(writeConsumed(row, cond, false));
      throw err;
    }
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
      const change = row(r.row, 'row');
      const cond = condition(r.condition);
      const { result, units } = metered(change, cond, () => db.putRow(r.tableName, change, cond, returnType(r.returnContent)));
      return writeResponse('PutRowResponse', result, units);
    },

    UpdateRow(body) {
      const r = decode<WriteRowMessage>('UpdateRowRequest', body);
      const change = row(r.rowChange, 'row change');
      const cond = condition(r.condition);
      const { result, units } = metered(change, cond, () =>
        db.updateRow(r.tableName, change, cond, returnType(r.returnContent), r.returnContent?.returnColumnNames ?? []),
      );
      return writeResponse('UpdateRowResponse', result, units);
    },

    DeleteRow(body) {
      const r = decode<WriteRowMessage>('DeleteRowRequest', body);
      const change = row(r.primaryKey, 'primary key');
      const cond = condition(r.condition);
      const { result, units } = metered(change, cond, () => db.deleteRow(r.tableName, change, cond, returnType(r.returnContent)));
      return writeResponse('DeleteRowResponse', result, units);
    },

    GetRow(body) {
      const r = decode<{ tableName: string; primaryKey: Buffer; columnsToGet?: string[]; filter?: Buffer }>('GetRowRequest', body);
      const key = row(r.primaryKey, 'primary key').primaryKey;
      const found = db.getRow(r.tableName, key, readOptions(r.columnsToGet, r.filter));
      return encodeMessage('GetRowResponse', { consumed: consumed(meter.add(readConsumed(found ? [found] : []))), row: rowBytes(found) });
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
        consumed: consumed(meter.add(readConsumed(result.rows))),
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
                return { isOk: true, consumed: consumed(meter.add(readConsumed(found ? [found] : []))), row: rowBytes(found) };
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
      // Decoded and checked as a whole first: these failures refuse the request, not a row.
      const tables = (r.tables ?? []).map((t) => ({
        tableName: t.tableName,
        rows: (t.rows ?? []).map((item): BatchRowChange & { item: typeof item } => ({ type: item.type, row: row(item.rowChange, 'row change'), bytes: item.rowChange?.length ?? 0, item })),
      }));
      checkBatchWrite(db, tables);
      // Only rules named for rows: a '*' rule is for whole requests (taken in server.ts).
      const rowFaults = options.faults?.pending().some((rule) => rule.operation === BATCH_ROW_FAULT) ? options.faults : undefined;
      return encodeMessage('BatchWriteRowResponse', {
        tables: tables.map((t) => ({
          tableName: t.tableName,
          rows: t.rows.map(({ type, row: change, item }) => {
            const fault = rowFaults?.take(BATCH_ROW_FAULT);
            if (fault?.kind === 'fail') return { isOk: false, error: { code: fault.code, message: fault.message } };
            try {
              const cond = condition(item.condition);
              const rt = returnType(item.returnContent);
              const { result, units } = metered(change, cond, () => {
                if (type === 1) return db.putRow(t.tableName, change, cond, rt);
                if (type === 2) return db.updateRow(t.tableName, change, cond, rt, item.returnContent?.returnColumnNames ?? []);
                return db.deleteRow(t.tableName, change, cond, rt);
              });
              return { isOk: true, consumed: consumed(units), ...(result.returned ? { row: encodeRow(result.returned) } : {}) };
            } catch (err) {
              return { isOk: false, error: errorOf(err) };
            }
          }),
        })),
      });
    },
  };
}

