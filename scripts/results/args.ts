/**
 * The command line of `npm run results`.
 */
import { parseCommandLine, UsageError, wholeNumber } from '../../tools/cli';
import { JOB_ID_PATTERN } from '../../lib/jobs/job';
import { STATUS_RANK, type RecordStatus } from '../../lib/records/record';
import { parseSince } from './since';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 10_000;

/** What to show: named jobs, or a listing. */
export type ResultsArgs =
  | { mode: 'jobs'; jobIds: string[]; json: boolean }
  | { mode: 'list'; status?: RecordStatus; since?: number; limit: number; json: boolean };

const OPTIONS = {
  status: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * Parses the arguments after `npm run results --`. Returns 'help' for --help/-h; throws
 * UsageError for anything else it cannot use.
 *
 * @example parseResultsArgs(['--status', 'failed', '--since', '1h'], Date.now()) // { mode: 'list', status: 'failed', since: …, limit: 50, json: false }
 * @example parseResultsArgs(['inv-1', 'inv-2', '--json'], Date.now()) // { mode: 'jobs', jobIds: ['inv-1', 'inv-2'], json: true }
 */
export function parseResultsArgs(argv: readonly string[], now: number): ResultsArgs | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values, positionals }) => {
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
    const limit = values.limit === undefined ? DEFAULT_LIMIT : wholeNumber('--limit', values.limit, 1, MAX_LIMIT);
    return { mode: 'list', ...(status ? { status } : {}), ...(since !== undefined ? { since } : {}), limit, json };
  }, { positionals: true });
}
