/**
 * The command line of `npm run smoke`, parsed with node:util's parseArgs.
 */
import { parseArgs } from 'node:util';
import { ReasonedError } from '../../lib/errors';
import type { FcApi } from '../submit/args';

/** A command line that cannot be run (exit 2). */
export class UsageError extends ReasonedError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

export interface SmokeArgs {
  /** Probes sent through the queue (one more goes by async invocation). */
  queueProbes: number;
  /** How long to wait for the records, seconds. */
  timeoutSec: number;
  api: FcApi;
  /** Leave the probe objects in the bucket. */
  keepObjects: boolean;
}

export const DEFAULT_QUEUE_PROBES = 3;
const MAX_QUEUE_PROBES = 20;
export const DEFAULT_TIMEOUT_SEC = 180;
const MAX_TIMEOUT_SEC = 3600;

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/**
 * Parses the arguments after `npm run smoke --`; 'help' for --help/-h.
 *
 * @example parseSmokeArgs(['--probes', '5', '--timeout=60']) // { queueProbes: 5, timeoutSec: 60, api: 'fc3', keepObjects: false }
 */
export function parseSmokeArgs(argv: string[]): SmokeArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        probes: { type: 'string' },
        timeout: { type: 'string' },
        api: { type: 'string' },
        'keep-objects': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message);
    throw err;
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const api = values.api ?? 'fc3';
  if (api !== 'fc3' && api !== 'fc2') throw new UsageError(`--api must be fc3 or fc2, not '${api}'`);
  return {
    queueProbes: values.probes === undefined ? DEFAULT_QUEUE_PROBES : wholeNumber('probes', values.probes, 1, MAX_QUEUE_PROBES),
    timeoutSec: values.timeout === undefined ? DEFAULT_TIMEOUT_SEC : wholeNumber('timeout', values.timeout, 1, MAX_TIMEOUT_SEC),
    api,
    keepObjects: values['keep-objects'] === true,
  };
}
