/**
 * The command line of `npm run results`, parsed with node:util's parseArgs.
 */
import { parseArgs } from 'node:util';
import { ReasonedError } from '../../lib/errors';
import { JOB_ID_PATTERN } from '../../lib/jobs/job';
import { STATUS_RANK, type RecordStatus } from '../../lib/records/record';
import { parseSince } from './since';

/** A command line that cannot be run (exit 2). */
export class UsageError extends ReasonedError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 10_000;

/** What to show: named jobs, or a listing. */
export type ResultsArgs =
  | { mode: 'jobs'; jobIds: string[]; json: boolean }
  | { mode: 'list'; status?: RecordStatus; since?: number; limit: number; json: boolean };

/**
 * Parses the arguments after `npm run results --`. Returns 'help' for --help/-h; throws
 * UsageError for anything else it cannot use.
 *
 * @example parseResultsArgs(['--status', 'failed', '--since', '1h'], Date.now()) // { mode: 'list', status: 'failed', since: …, limit: 50, json: false }
 * @example parseResultsArgs(['inv-1', 'inv-2', '--json'], Date.now()) // { mode: 'jobs', jobIds: ['inv-1', 'inv-2'], json: true }
 */
export function parseResultsArgs(argv: string[], now: number): ResultsArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        status: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown options and missing values.
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message);
    throw err;
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const json = values.json === true;

  for (const id of positionals) {
    if (!JOB_ID_PATTERN.test(id)) throw new UsageError(`'${id}' is not a job id (1-128 characters of A-Z a-z 0-9 . _ : -)`);
  }
  const filters = (['status', 'since', 'limit'] as const).filter((name) => values[name] !== undefined);
  if (positionals.length > 0) {
    if (filters.length > 0) throw new UsageError(`job ids cannot be combined with ${filters.map((f) => `--${f}`).join(', ')}: name jobs, or list by status and time`);
    return { mode: 'jobs', jobIds: positionals, json };
  }

  let status: RecordStatus | undefined;
  if (values.status !== undefined) {
    if (!Object.hasOwn(STATUS_RANK, values.status)) throw new UsageError(`--status must be one of ${Object.keys(STATUS_RANK).join(', ')}, not '${values.status}'`);
    status = values.status as RecordStatus;
  }
  let since: number | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since, now);
    if (since === undefined) throw new UsageError(`--since must be a duration (30s, 15m, 2h, 7d) or an ISO date or date-time (2026-12-01, 2026-12-01T08:00:00Z), not '${values.since}'`);
  }
  let limit = DEFAULT_LIMIT;
  if (values.limit !== undefined) {
    const n = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not '${values.limit}'`);
    limit = n;
  }
  return { mode: 'list', ...(status ? { status } : {}), ...(since !== undefined ? { since } : {}), limit, json };
}
