/**
 * Command-line flags of the Tablestore emulator (see cli.ts).
 *
 * @example
 * parseArgs(['--port', '0', '--data-dir', '/tmp/ts']); // { port: 0, dataDir: '/tmp/ts' }
 */
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

/** A command-line mistake; exits with status 2. */
export class UsageError extends Error {}

const FLAGS: Record<string, keyof TablestoreEmulatorOptions> = {
  '--port': 'port',
  '--data-dir': 'dataDir',
  '--instance': 'instance',
  '--access-key-id': 'accessKeyId',
  '--access-key-secret': 'accessKeySecret',
};

/** Parses argv (without node and script) into emulator options, or 'help'. */
export function parseArgs(argv: readonly string[]): TablestoreEmulatorOptions | 'help' {
  const options: TablestoreEmulatorOptions = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[flag];
    if (!key) throw new UsageError(`unknown flag ${flag}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    if (key === 'port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${value}'`);
      options.port = Number(value);
    } else {
      options[key] = value;
    }
  }
  return options;
}
