/**
 * The command line of `npm run submit`.
 */
import { ReasonedError } from '../../lib/errors';

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

/** A command line that cannot be run (exit 2). */
export class UsageError extends ReasonedError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 256;

/**
 * Parses the arguments after `npm run submit --`. Returns 'help' for --help/-h.
 * Throws UsageError for anything it does not understand.
 *
 * @example
 * parseSubmitArgs(['jobs.jsonl', '--via', 'invoke', '--concurrency=4'])
 * // { file: 'jobs.jsonl', via: 'invoke', api: 'fc3', concurrency: 4, dryRun: false, allowInvalid: false }
 */
export function parseSubmitArgs(argv: string[]): SubmitArgs | 'help' {
  const out: Omit<SubmitArgs, 'file'> & { file?: string } = { via: 'queue', api: 'fc3', concurrency: DEFAULT_CONCURRENCY, dryRun: false, allowInvalid: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--dry-run') {
      out.dryRun = true;
      continue;
    }
    if (arg === '--allow-invalid') {
      out.allowInvalid = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
        i++;
      }
      switch (name) {
        case '--via':
          if (value !== 'queue' && value !== 'invoke') throw new UsageError(`--via must be queue or invoke, not '${value}'`);
          out.via = value;
          break;
        case '--api':
          if (value !== 'fc2' && value !== 'fc3') throw new UsageError(`--api must be fc2 or fc3, not '${value}'`);
          out.api = value;
          break;
        case '--endpoint':
          out.endpoint = value;
          break;
        case '--queue':
          out.queue = value;
          break;
        case '--function':
          out.functionName = value;
          break;
        case '--concurrency': {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not '${value}'`);
          out.concurrency = n;
          break;
        }
        default:
          throw new UsageError(`unknown option ${name}`);
      }
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    if (out.file !== undefined) throw new UsageError(`one jobs file only (got '${out.file}' and '${arg}')`);
    out.file = arg;
  }
  if (out.file === undefined) throw new UsageError('no jobs file given');
  if (out.via === 'queue' && out.functionName !== undefined) throw new UsageError('--function only applies to --via invoke');
  if (out.via === 'invoke' && out.queue !== undefined) throw new UsageError('--queue only applies to --via queue');
  return { ...out, file: out.file };
}
