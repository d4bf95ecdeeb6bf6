/**
 * The command line of `npm start`: its usage text and its parser.
 */
import path from 'node:path';
import { ReasonedError } from '../../lib/errors';

export const HELP = `usage: npm start [-- --jobs <file.jsonl>] [--keep-running] [--timeout <seconds>] [--port <first>] [--bundles-dir <dir>]

Runs the whole pipeline locally and offline: builds the bundles (dist/), starts the OSS,
Tablestore and MNS emulators, the FC host with both functions, the MNS trigger and a
source server; sends the jobs (default examples/jobs.jsonl) through the queue; waits
until every job has its final record; prints the records; stops everything.

  --jobs <file>      JSONL jobs to send; \${SOURCES_URL} is replaced by the source server's URL
  --keep-running     leave the stack up afterwards and print the settings that let
                     npm run submit, results and smoke use it (Ctrl-C stops)
  --timeout <s>      give up waiting for records after this many seconds (default 120)
  --port <first>     listen on six ports from <first> (OSS, Tablestore, MNS, sources, FC
                     API, callback) instead of free ones, so the printed settings keep
                     their endpoints from one run to the next
  --bundles-dir <d>  build the bundles into this directory instead of dist/ (so a test
                     can run npm start while other runs use dist/)

Exit status: 0 when every job ended as expected (valid jobs uploaded, invalid ones
failed, a line without a usable jobId as invalid-<its MNS message id>); 1 when one did
not, or the stack failed (a port in use, an internal error);
2 for a bad option or jobs file (nothing is sent); 130 after Ctrl-C. The stack is
always stopped first.`;

export interface StartArgs {
  jobs: string;
  keepRunning: boolean;
  timeoutMs: number;
  bundlesDir: string;
  /** First of the stack's six ports; undefined: free ports. */
  basePort?: number;
}

/** A bad command line (exit 2, with the usage). */
export class StartUsageError extends ReasonedError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

/**
 * Parses `npm start`'s arguments; `root` is the repository (for the defaults).
 *
 * @example parseStartArgs(['--timeout', '30'], '/repo') // { jobs: '/repo/examples/jobs.jsonl', keepRunning: false, timeoutMs: 30000, bundlesDir: '/repo/dist' }
 */
export function parseStartArgs(argv: readonly string[], root: string): StartArgs | 'help' {
  const args: StartArgs = { jobs: path.join(root, 'examples', 'jobs.jsonl'), keepRunning: false, timeoutMs: 120_000, bundlesDir: path.join(root, 'dist') };
  const valueOf = (i: number, what: string): string => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new StartUsageError(`${argv[i]} needs ${what}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--keep-running') args.keepRunning = true;
    else if (arg === '--jobs') args.jobs = path.resolve(valueOf(i++, 'a file'));
    else if (arg === '--bundles-dir') args.bundlesDir = path.resolve(valueOf(i++, 'a directory'));
    else if (arg === '--timeout') {
      const seconds = Number(valueOf(i++, 'a number of seconds'));
      if (!Number.isFinite(seconds) || seconds <= 0) throw new StartUsageError('--timeout needs a positive number of seconds');
      args.timeoutMs = seconds * 1000;
    } else if (arg === '--port') {
      const port = Number(valueOf(i++, 'a port number'));
      if (!Number.isInteger(port) || port < 1024 || port > 65535 - 5) throw new StartUsageError('--port needs a port number from 1024 to 65530 (six ports are used from it)');
      args.basePort = port;
    } else throw new StartUsageError(`unknown option ${arg}`);
  }
  return args;
}
