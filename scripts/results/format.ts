/**
 * How `npm run results` shows records: a table for people, JSON lines for tools.
 */
import type { JobRecord } from '../../lib/records/record';

const COLUMNS = ['JOB ID', 'STATUS', 'OBJECT', 'SIZE', 'DELIVERIES', 'AGE', 'ERROR'] as const;
const MAX_OBJECT = 48;
const MAX_ERROR = 72;

/**
 * One JSON object per record: the record's fields as the store reads them (times in
 * epoch milliseconds), `jobId` and `status` always present.
 *
 * @example jsonLine({ jobId: 'a', status: 'uploaded', recordedBy: 'callback', deliveries: 1, createdAt: 1, updatedAt: 2 })
 * // '{"jobId":"a","status":"uploaded","recordedBy":"callback","deliveries":1,"createdAt":1,"updatedAt":2}'
 */
export function jsonLine(record: JobRecord): string {
  const { jobId, status, ...rest } = record;
  return JSON.stringify({ jobId, status, ...rest });
}

/**
 * A short age: `42s`, `5m`, `3h`, `2d`.
 *
 * @example age(Date.now() - 90_000, Date.now()) // '1m'
 */
export function age(since: number, now: number): string {
  const s = Math.max(0, Math.floor((now - since) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * A byte count for people: `512 B`, `1.5 KiB`, `12.0 MiB`.
 *
 * @example humanSize(1536) // '1.5 KiB'
 */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Text made safe for one table cell: control characters as spaces, cut to `max` characters. */
function cell(text: string | undefined, max = Infinity): string {
  if (text === undefined || text === '') return '-';
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The records as an aligned text table (one header line, one line per record), ages
 * counted from each record's creation.
 */
export function table(records: readonly JobRecord[], now: number): string {
  const rows = records.map((r) => [
    r.jobId,
    r.status,
    cell(r.object, MAX_OBJECT),
    r.size === undefined ? '-' : humanSize(r.size),
    String(r.deliveries),
    r.createdAt > 0 ? age(r.createdAt, now) : '-',
    cell(r.error, MAX_ERROR),
  ]);
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
