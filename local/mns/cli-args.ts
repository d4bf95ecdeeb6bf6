/** Command-line flags of `npm run emulator:mns`. */
import { parseCommandLine, wholeNumber } from '../../tools/cli';

export const USAGE = `Usage: npm run emulator:mns -- [options]

Runs the local MNS emulator on its own until SIGINT/SIGTERM, and prints the endpoint,
account and key id it accepts.

Options:
  --port <p>                  port to listen on; 0 picks a free one (default 0)
  --host <h>                  interface to listen on (default 127.0.0.1)
  --queue <name>              create this queue at start; may be given more than once
  --visibility-timeout <s>    the created queues' visibility timeout in seconds (default 30)
  --help                      show this help
`;

export interface MnsCliOptions {
  port: number;
  host: string;
  queues: string[];
  visibilityTimeout: number;
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  queue: { type: 'string', multiple: true },
  'visibility-timeout': { type: 'string' },
} as const;

/**
 * Parses the flags (`--flag value` or `--flag=value`); 'help' for --help. Throws
 * UsageError naming the flag.
 *
 * @example parseArgs(['--queue', 'jobs', '--queue=dead']) // => { port: 0, host: '127.0.0.1', queues: ['jobs', 'dead'], visibilityTimeout: 30 }
 */
export function parseArgs(argv: readonly string[]): MnsCliOptions | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values }) => {
    return {
      port: values.port === undefined ? 0 : wholeNumber('--port', values.port, 0, 65535),
      host: values.host ?? '127.0.0.1',
      queues: values.queue ?? [],
      // MNS's range for VisibilityTimeout (local/mns/queue.ts).
      visibilityTimeout: values['visibility-timeout'] === undefined ? 30 : wholeNumber('--visibility-timeout', values['visibility-timeout'], 1, 43200),
    };
  });
}
