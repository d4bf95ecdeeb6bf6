/**
 * Command-line flags of the Tablestore emulator (see cli.ts).
 *
 * @example
 * parseArgs(['--port', '0', '--data-dir', '/tmp/ts']); // { port: 0, dataDir: '/tmp/ts' }
 */
import { parseCommandLine, wholeNumber } from '../../tools/cli';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_INSTANCE, type TablestoreEmulatorOptions } from './index';

export const USAGE = `Usage: npm run emulator:tablestore -- [options]

Options:
  --port <p>                port on 127.0.0.1 (default 0: a free port)
  --data-dir <dir>          keep tables and rows in <dir> across restarts (default: memory only)
  --instance <name>         instance name clients must use (default ${DEFAULT_INSTANCE})
  --access-key-id <id>      accepted AccessKey ID (default ${DEFAULT_ACCESS_KEY_ID})
  --access-key-secret <s>   its secret (default ${DEFAULT_ACCESS_KEY_SECRET})
  --help                    show this help
`;

const OPTIONS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  instance: { type: 'string' },
  'access-key-id': { type: 'string' },
  'access-key-secret': { type: 'string' },
} as const;

/** Parses argv (without node and script) into emulator options, or 'help'; throws UsageError naming the flag. */
export function parseArgs(argv: readonly string[]): TablestoreEmulatorOptions | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values }) => {
    const options: TablestoreEmulatorOptions = {};
    if (values.port !== undefined) options.port = wholeNumber('--port', values.port, 0, 65535);
    if (values['data-dir'] !== undefined) options.dataDir = values['data-dir'];
    if (values.instance !== undefined) options.instance = values.instance;
    if (values['access-key-id'] !== undefined) options.accessKeyId = values['access-key-id'];
    if (values['access-key-secret'] !== undefined) options.accessKeySecret = values['access-key-secret'];
    return options;
  });
}
