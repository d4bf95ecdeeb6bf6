// Shared pieces of the Tablestore emulator tests: an SDK client and SDK error decoding.
import TableStore from 'tablestore';
import type { TablestoreEmulator } from '../../../local/tablestore/index';
import { decodeMessage } from '../../../local/tablestore/protocol/schema';

// The SDK's typings cover only part of what it exports; tests use it untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TS: any = TableStore;

/** A real SDK client for the emulator, without retries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sdkClient(emu: TablestoreEmulator, overrides: Record<string, unknown> = {}): any {
  return new TS.Client({
    accessKeyId: emu.accessKeyId,
    secretAccessKey: emu.accessKeySecret,
    endpoint: emu.url,
    instancename: emu.instance,
    maxRetries: 0,
    httpOptions: { timeout: 5000 },
    ...overrides,
  });
}

export interface ServiceError {
  status: number;
  code: string;
  message: string;
}

/**
 * The service error behind an SDK rejection. The SDK puts the HTTP status in `code` and
 * the raw protobuf body (as a string, plus " requestId:…") in `message`.
 */
export function serviceError(err: unknown): ServiceError {
  const e = err as { code: unknown; message: string };
  const raw = e.message.replace(/ requestId:[^ ]*$/, '');
  const decoded = decodeMessage<{ code: string; message?: string }>('Error', Buffer.from(raw, 'utf8'));
  return { status: Number(e.code), code: decoded.code, message: decoded.message ?? '' };
}

/** Awaits a promise that must reject with a service error, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return serviceError(err);
  }
  throw new Error('expected the request to fail');
}

/** CreateTable params for a table keyed by the given columns. */
export function tableParams(tableName: string, primaryKey: { name: string; type: string; option?: string }[]): object {
  return {
    tableMeta: { tableName, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
  };
}

/** A condition as the SDK wants it. */
export function cond(existence: 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST', column: unknown = null): unknown {
  return new TS.Condition(TS.RowExistenceExpectation[existence], column);
}

/** Attribute columns of an SDK row as a name → value-as-string map. */
export function attrs(row: { attributes?: { columnName: string; columnValue: unknown }[] }): Record<string, string> {
  return Object.fromEntries((row.attributes ?? []).map((a) => [a.columnName, Buffer.isBuffer(a.columnValue) ? a.columnValue.toString('hex') : String(a.columnValue)]));
}
