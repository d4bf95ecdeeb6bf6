/**
 * `npm run emulator:oss -- [--port <p>] [--data-dir <dir>] [--access-key-id <id>]
 * [--access-key-secret <s>]`: runs the OSS emulator until SIGINT or SIGTERM. When ready
 * it prints the callback public-key URL prefix (for CALLBACK_PUBKEY_URL_PREFIXES), then
 * exactly one line `OSS emulator listening on http://127.0.0.1:<p>`. Bad flags exit 2.
 */
import { runEmulatorCli } from '../serve';
import { parseArgs, USAGE, UsageError } from './cli-args';
import { startOssEmulator } from './index';

void runEmulatorCli({
  usage: USAGE,
  parse: parseArgs,
  isUsageError: (error): error is UsageError => error instanceof UsageError,
  start: startOssEmulator,
  readyLines: (e) => [`Callback public key URL prefix: ${e.publicKeyUrlPrefix}`, `OSS emulator listening on ${e.url}`],
});
