import TableStore from 'tablestore';
import { partitionKeyHash, STATUS_RANK, type JobRecord, type Outcome, type RecordStatus } from '../records/record';
import { StoreError } from './errors';
import { JOB_ID_PATTERN } from '../jobs/job';

/**
 * How a record is laid out in its Tablestore row (docs/architecture.md#record): primary key
 * `pk_hash`, `job_id`; integers as INTEGER cells (the SDK writes a plain JS number as a
 * DOUBLE, so every integer is wrapped in `TableStore.Long`); `crc64` as a STRING because
 * a CRC-64 exceeds 2^53; `vars` as JSON text.
 */

/** Primary key column names, in key order. */
export const PK_HASH = 'pk_hash';
export const JOB_ID = 'job_id';

/**
 * The uploader's lease on a job (lib/store/lease.ts): which invocation holds it and until
 * when (epoch ms, INTEGER). Kept apart from `status`, which only ever moves up; a row that
 * has a lease but no status is a job being worked on, not yet a record.
 */
export const LEASE_OWNER = 'lease_owner';
export const LEASE_UNTIL = 'lease_until';

/**
 * The columns an outcome describes besides its status and author. A write that moves the
 * status replaces all of them: a column the new outcome lacks is deleted, so a record
 * never mixes what one party learned with what another learned earlier (a stale `error`,
 * a HEAD's MIME type beside a callback's etag).
 */
const FIELD_COLUMNS: ReadonlyArray<readonly [Exclude<keyof Outcome, 'jobId' | 'status' | 'recordedBy'>, string]> = [
  ['bucket', 'bucket'],
  ['object', 'object'],
  ['etag', 'etag'],
  ['size', 'size'],
  ['mimeType', 'mime_type'],
  ['crc64', 'crc64'],
  ['contentMd5', 'content_md5'],
  ['ossRequestId', 'oss_request_id'],
  ['clientIp', 'client_ip'],
  ['operation', 'operation'],
  ['vars', 'vars'],
  ['error', 'error'],
  ['reason', 'reason'],
];

const UINT64_MAX = 2n ** 64n - 1n;

/** One attribute cell as the SDK takes it: `{ [column]: value }`. */
export type Cell = Record<string, string | TableStore.int64>;

/** The SDK's primary key for a job. */
export function primaryKeyOf(jobId: string): TableStore.PrimaryKeyInput {
  return [{ [PK_HASH]: partitionKeyHash(jobId) }, { [JOB_ID]: jobId }];
}

/** Wraps an integer so the SDK writes an INTEGER cell. */
export function integerCell(value: number): TableStore.int64 {
  return TableStore.Long.fromNumber(value);
}

/** Throws StoreError('invalid_outcome') unless `jobId` is a valid job id. */
export function checkJobId(jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
    throw new StoreError('invalid_outcome', `job id must be 1-128 characters of [A-Za-z0-9._:-], got ${JSON.stringify(jobId)}`, {
      retryable: false,
    });
  }
}

/** Throws StoreError('invalid_outcome') when the outcome cannot be stored as a record (docs/architecture.md#record). */
export function checkOutcome(outcome: Outcome): void {
  checkJobId(outcome.jobId);
  const bad = (what: string): never => {
    throw new StoreError('invalid_outcome', `outcome for job ${outcome.jobId}: ${what}`, { retryable: false });
  };
  if (!Object.prototype.hasOwnProperty.call(STATUS_RANK, outcome.status)) bad(`unknown status ${JSON.stringify(outcome.status)}`);
  if (outcome.recordedBy !== 'callback' && outcome.recordedBy !== 'uploader') bad(`unknown recordedBy ${JSON.stringify(outcome.recordedBy)}`);
  if (outcome.size !== undefined && !(Number.isSafeInteger(outcome.size) && outcome.size >= 0)) bad(`size must be a non-negative integer, got ${String(outcome.size)}`);
  if (outcome.crc64 !== undefined && !(/^[0-9]{1,20}$/.test(outcome.crc64) && BigInt(outcome.crc64) <= UINT64_MAX)) {
    bad(`crc64 must be the decimal form of an unsigned 64-bit number, got ${JSON.stringify(outcome.crc64)}`);
  }
  if (outcome.vars !== undefined) {
    const ok = typeof outcome.vars === 'object' && outcome.vars !== null && !Array.isArray(outcome.vars) && Object.values(outcome.vars).every((v) => typeof v === 'string');
    if (!ok) bad('vars must map names to strings');
  }
  for (const key of ['bucket', 'object', 'etag', 'mimeType', 'contentMd5', 'ossRequestId', 'clientIp', 'operation', 'error', 'reason'] as const) {
    const value = outcome[key];
    if (value !== undefined && typeof value !== 'string') bad(`${key} must be a string`);
  }
  if (outcome.reason !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(outcome.reason)) bad('reason must be 1-128 characters of [A-Za-z0-9_.:-]');
}

/**
 * The cells an outcome writes: its status and author, and each field it carries.
 * Fields left undefined are absent, so an existing value stays.
 */
export function outcomeCells(outcome: Outcome, now: number): Cell[] {
  const cells: Cell[] = [{ status: outcome.status }, { recorded_by: outcome.recordedBy }];
  const text = (column: string, value: string | undefined) => {
    if (value !== undefined) cells.push({ [column]: value });
  };
  text('bucket', outcome.bucket);
  text('object', outcome.object);
  text('etag', outcome.etag);
  if (outcome.size !== undefined) cells.push({ size: integerCell(outcome.size) });
  text('mime_type', outcome.mimeType);
  text('crc64', outcome.crc64);
  text('content_md5', outcome.contentMd5);
  text('oss_request_id', outcome.ossRequestId);
  text('client_ip', outcome.clientIp);
  text('operation', outcome.operation);
  if (outcome.vars !== undefined) cells.push({ vars: JSON.stringify(outcome.vars) });
  text('error', outcome.error);
  text('reason', outcome.reason);
  cells.push({ updated_at: integerCell(now) });
  return cells;
}

/** The field columns `outcome` leaves undefined: a status move deletes them (see FIELD_COLUMNS). */
export function absentFieldColumns(outcome: Outcome): string[] {
  return FIELD_COLUMNS.filter(([field]) => outcome[field] === undefined).map(([, column]) => column);
}

/** The record a newly created row holds. */
export function newRecord(outcome: Outcome, deliveries: number, now: number): JobRecord {
  const record: JobRecord = { ...withoutUndefined(outcome), deliveries, createdAt: now, updatedAt: now };
  if (outcome.vars !== undefined) record.vars = { ...outcome.vars };
  return record;
}

/** A row as the SDK decodes it (GetRow; `{}` when the row does not exist). */
export interface SdkRow {
  primaryKey?: Array<{ name: string; value: unknown }> | null;
  attributes?: Array<{ columnName: string; columnValue: unknown }> | null;
}

/**
 * Converts a row read with the SDK back into a record (INTEGER cells to numbers).
 * Returns undefined for the SDK's empty answer to a missing row, and for a row that holds
 * only a lease (a job being worked on has no record yet).
 */
export function recordFromRow(row: SdkRow | undefined): JobRecord | undefined {
  if (!row || !row.primaryKey || row.primaryKey.length === 0) return undefined;
  const jobId = row.primaryKey.find((c) => c.name === JOB_ID)?.value;
  if (typeof jobId !== 'string') throw corrupt('?', 'primary key has no string job_id');
  const cells = cellsOf(row);
  if (!cells.has('status')) return undefined;

  const str = (column: string): string | undefined => {
    const value = cells.get(column);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw corrupt(jobId, `column ${column} is not a string`);
    return value;
  };
  const int = (column: string): number | undefined => {
    const value = cells.get(column);
    if (value === undefined) return undefined;
    const n = integerValue(value);
    if (n === undefined) throw corrupt(jobId, `column ${column} is not an integer`);
    return n;
  };

  const status = str('status');
  if (status === undefined || !Object.prototype.hasOwnProperty.call(STATUS_RANK, status)) {
    throw corrupt(jobId, `status ${JSON.stringify(status)} is not a record status`);
  }
  const recordedBy = str('recorded_by');
  if (recordedBy !== 'callback' && recordedBy !== 'uploader') throw corrupt(jobId, `recorded_by ${JSON.stringify(recordedBy)} is unknown`);

  const record: JobRecord = {
    jobId,
    status: status as RecordStatus,
    recordedBy,
    deliveries: int('deliveries') ?? 0,
    createdAt: int('created_at') ?? 0,
    updatedAt: int('updated_at') ?? 0,
  };
  for (const [field, column] of FIELD_COLUMNS) {
    // The two columns that are not text, read below.
    if (field === 'size' || field === 'vars') continue;
    const value = str(column);
    if (value !== undefined) (record as unknown as Record<string, unknown>)[field] = value;
  }
  const size = int('size');
  if (size !== undefined) record.size = size;
  const vars = str('vars');
  if (vars !== undefined) record.vars = parseVars(jobId, vars);
  return record;
}

/** A row's lease, when it has a well-formed one (the claim's fallback reads it). */
export function leaseFromRow(row: SdkRow | undefined): { owner: string; until: number } | undefined {
  const cells = cellsOf(row);
  const owner = cells.get(LEASE_OWNER);
  const until = integerValue(cells.get(LEASE_UNTIL));
  return typeof owner === 'string' && until !== undefined ? { owner, until } : undefined;
}

/** True when the SDK's answer is a row that exists (it answers `{}` for a missing one). */
export function rowExists(row: SdkRow | undefined): boolean {
  return Boolean(row?.primaryKey && row.primaryKey.length > 0);
}

function cellsOf(row: SdkRow | undefined): Map<string, unknown> {
  const cells = new Map<string, unknown>();
  for (const attribute of row?.attributes ?? []) cells.set(attribute.columnName, attribute.columnValue);
  return cells;
}

/** An INTEGER cell (the SDK's Int64) as a number; a DOUBLE holding an integer is accepted too. */
function integerValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    const n = (value as TableStore.int64).toNumber();
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function parseVars(jobId: string, text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(jobId, 'vars is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw corrupt(jobId, 'vars is not an object of strings');
  }
  return parsed as Record<string, string>;
}

function corrupt(jobId: string, what: string): StoreError {
  return new StoreError('corrupt_row', `record of job ${jobId} is malformed: ${what}`, { retryable: false });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
