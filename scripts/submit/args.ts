/**
 * The command line of `npm run submit`.
 */
import { parseCommandLine, UsageError, wholeNumber } from '../../tools/cli';

/** How jobs travel: an MNS queue (the EventBridge trigger feeds the uploader) or FC async invocation. */
export type Via = 'queue' | 'invoke';
/** Which FC invoke API: 2016-08-15 through @alicloud/fc2, or 2023-03-30 (FC 3.0) through @alicloud/fc20230330. */
export type FcApi = 'fc2' | 'fc3';

export interface SubmitArgs {
  file: string;
  via: Via;
  api: FcApi;
  endpoint?: string;
  queue?: string;
  functionName?: string;
  concurrency: number;
  dryRun: boolean;
  allowInvalid: boolean;
}

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 256;

const OPTIONS = {
  via: { type: 'string' },
  api: { type: 'string' },
  endpoint: { type: 'string' },
  queue: { type: 'string' },
  function: { type: 'string' },
  concurrency: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'allow-invalid': { type: 'boolean' },
} as const;

/**
 * Parses the arguments after `npm run submit --`. Returns 'help' for --help/-h.
 * Throws UsageError for anything it does not understand.
 *
 * @example
 * parseSubmitArgs(['jobs.jsonl', '--via', 'invoke', '--concurrency=4'])
 * // { file: 'jobs.jsonl', via: 'invoke', api: 'fc3', concurrency: 4, dryRun: false, allowInvalid: false }
 */
export function parseSubmitArgs(argv: readonly string[]): SubmitArgs | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values, positionals }) => {
    if (positionals.length > 1) throw new UsageError(`one jobs file only (got '${positionals[0]}' and '${positionals[1]}')`);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('no jobs file given');
    const via = values.via ?? 'queue';
    if (via !== 'queue' && via !== 'invoke') throw new UsageError(`--via must be queue or invoke, not '${via}'`);
    const api = values.api ?? 'fc3';
    if (api !== 'fc2' && api !== 'fc3') throw new UsageError(`--api must be fc2 or fc3, not '${api}'`);
    if (via === 'queue' && values.function !== undefined) throw new UsageError('--function only applies to --via invoke');
    if (via === 'invoke' && values.queue !== undefined) throw new UsageError('--queue only applies to --via queue');
    const args: SubmitArgs = {
      file,
      via,
      api,
      concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber('--concurrency', values.concurrency, 1, MAX_CONCURRENCY),
      dryRun: values['dry-run'] === true,
      allowInvalid: values['allow-invalid'] === true,
    };
    if (values.endpoint !== undefined) args.endpoint = values.endpoint;
    if (values.queue !== undefined) args.queue = values.queue;
    if (values.function !== undefined) args.functionName = values.function;
    return args;
  }, { positionals: true });
}
