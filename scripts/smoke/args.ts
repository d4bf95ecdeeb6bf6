/**
 * The command line of `npm run smoke`.
 */
import { parseCommandLine, UsageError, wholeNumber } from '../../tools/cli';
import type { FcApi } from '../submit/args';

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

const OPTIONS = {
  probes: { type: 'string' },
  timeout: { type: 'string' },
  api: { type: 'string' },
  'keep-objects': { type: 'boolean' },
} as const;

/**
 * Parses the arguments after `npm run smoke --`; 'help' for --help/-h.
 *
 * @example parseSmokeArgs(['--probes', '5', '--timeout=60']) // { queueProbes: 5, timeoutSec: 60, api: 'fc3', keepObjects: false }
 */
export function parseSmokeArgs(argv: readonly string[]): SmokeArgs | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values }) => {
    const api = values.api ?? 'fc3';
    if (api !== 'fc3' && api !== 'fc2') throw new UsageError(`--api must be fc3 or fc2, not '${api}'`);
    return {
      queueProbes: values.probes === undefined ? DEFAULT_QUEUE_PROBES : wholeNumber('--probes', values.probes, 1, MAX_QUEUE_PROBES),
      timeoutSec: values.timeout === undefined ? DEFAULT_TIMEOUT_SEC : wholeNumber('--timeout', values.timeout, 1, MAX_TIMEOUT_SEC),
      api,
      keepObjects: values['keep-objects'] === true,
    };
  });
}
