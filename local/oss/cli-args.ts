/** Command-line flags of `npm run emulator:oss`. */
import { parseCommandLine, UsageError, wholeNumber } from '../../tools/cli';
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

/** A region id such as cn-hangzhou or ap-southeast-1, with or without OSS's `oss-` prefix. */
const REGION_PATTERN = /^(oss-)?[a-z]+(-[a-z0-9]+)+$/;

const OPTIONS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'access-key-id': { type: 'string' },
  'access-key-secret': { type: 'string' },
  'callback-timeout-ms': { type: 'string' },
  region: { type: 'string' },
  'allow-v1': { type: 'boolean' },
} as const;

/**
 * Parses the flags (`--flag value` or `--flag=value`); 'help' for --help. Throws
 * UsageError naming the flag.
 *
 * @example parseArgs(['--port', '9000', '--data-dir=.data/oss', '--allow-v1']) // => { port: 9000, dataDir: '.data/oss', allowV1: true }
 */
export function parseArgs(argv: readonly string[]): OssEmulatorOptions | 'help' {
  return parseCommandLine(argv, OPTIONS, ({ values }) => {
    const options: OssEmulatorOptions = {};
    if (values['allow-v1']) options.allowV1 = true;
    if (values.port !== undefined) options.port = wholeNumber('--port', values.port, 0, 65535);
    if (values['data-dir'] !== undefined) options.dataDir = values['data-dir'];
    if (values['access-key-id'] !== undefined) options.accessKeyId = values['access-key-id'];
    if (values['access-key-secret'] !== undefined) options.accessKeySecret = values['access-key-secret'];
    if (values['callback-timeout-ms'] !== undefined) options.callbackTimeoutMs = wholeNumber('--callback-timeout-ms', values['callback-timeout-ms'], 1, 600_000);
    if (values.region !== undefined) {
      if (!REGION_PATTERN.test(values.region)) throw new UsageError(`--region must be a region id such as cn-hangzhou, got ${JSON.stringify(values.region)}`);
      options.region = values.region;
    }
    return options;
  });
}
