/** Command-line flags of `npm run emulator:oss`. */
import type { OssEmulatorOptions } from './index';

export const USAGE = `Usage: npm run emulator:oss -- [options]

Runs the local OSS emulator (with upload callbacks) on 127.0.0.1 until SIGINT/SIGTERM.

Options:
  --port <p>                  port to listen on; 0 picks a free one (default 0)
  --data-dir <dir>            keep objects in files under <dir> (default: in memory)
  --access-key-id <id>        access key id to accept (default LTAI-local-oss-emulator)
  --access-key-secret <s>     access key secret to accept (default local-oss-emulator-secret)
  --callback-timeout-ms <ms>  how long callback servers get to answer (default 5000, as OSS)
  --region <r>                region the endpoint serves; V4 signatures must be scoped to it
                              (cn-hangzhou or oss-cn-hangzhou; default cn-hangzhou)
  --allow-v1                  also take V1 signatures, like a bucket created before
                              2025-09-01 (default: V4 only, V1 gets 403 EC 0002-00000080)
  --help                      show this help
`;

/** A command line we cannot run; the message names the flag. */
export class UsageError extends Error {
  readonly reason = 'bad_flag';
}

const VALUE_FLAGS = new Set(['--port', '--data-dir', '--access-key-id', '--access-key-secret', '--callback-timeout-ms', '--region']);
const SWITCHES = new Set(['--allow-v1']);
/** A region id such as cn-hangzhou or ap-southeast-1, with or without OSS's `oss-` prefix. */
const REGION_PATTERN = /^(oss-)?[a-z]+(-[a-z0-9]+)+$/;

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * Parses the flags (`--flag value` or `--flag=value`); 'help' for --help.
 *
 * @example parseArgs(['--port', '9000', '--data-dir=.data/oss', '--allow-v1']) // => { port: 9000, dataDir: '.data/oss', allowV1: true }
 */
export function parseArgs(argv: readonly string[]): OssEmulatorOptions | 'help' {
  const options: OssEmulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.has(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      options.allowV1 = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown flag ${flag}`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
    }
    if (value === '') throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case '--port':
        options.port = integer(flag, value, 0, 65535);
        break;
      case '--data-dir':
        options.dataDir = value;
        break;
      case '--access-key-id':
        options.accessKeyId = value;
        break;
      case '--access-key-secret':
        options.accessKeySecret = value;
        break;
      case '--callback-timeout-ms':
        options.callbackTimeoutMs = integer(flag, value, 1, 600_000);
        break;
      case '--region':
        if (!REGION_PATTERN.test(value)) throw new UsageError(`--region must be a region id such as cn-hangzhou, got ${JSON.stringify(value)}`);
        options.region = value;
        break;
    }
  }
  return options;
}
