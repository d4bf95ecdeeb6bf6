/**
 * The command line of `npm start`: its usage text and its parser.
 */
import path from 'node:path';
import { parseCommandLine, UsageError } from '../../tools/cli';

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

const OPTIONS = {
  jobs: { type: 'string', needs: 'a file' },
  'keep-running': { type: 'boolean' },
  timeout: { type: 'string', needs: 'a number of seconds' },
  port: { type: 'string', needs: 'a port number' },
  'bundles-dir': { type: 'string', needs: 'a directory' },
} as const;

/**
 * Parses `npm start`'s arguments; `root` is the repository (for the defaults). Throws
 * UsageError for anything it cannot use.
 *
 * @example parseStartArgs(['--timeout', '30'], '/repo') // { jobs: '/repo/examples/jobs.jsonl', keepRunning: false, timeoutMs: 30000, bundlesDir: '/repo/dist' }
 */
export function parseStartArgs(argv: readonly string[], root: string): StartArgs | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values }) => {
    const args: StartArgs = {
      jobs: values.jobs !== undefined ? path.resolve(values.jobs) : path.join(root, 'examples', 'jobs.jsonl'),
      keepRunning: values['keep-running'] === true,
      timeoutMs: 120_000,
      bundlesDir: values['bundles-dir'] !== undefined ? path.resolve(values['bundles-dir']) : path.join(root, 'dist'),
    };
    if (values.timeout !== undefined) {
      const seconds = Number(values.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout needs a positive number of seconds');
      args.timeoutMs = seconds * 1000;
    }
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 1024 || port > 65535 - 5) throw new UsageError('--port needs a port number from 1024 to 65530 (six ports are used from it)');
      args.basePort = port;
    }
    return args;
  });
}
