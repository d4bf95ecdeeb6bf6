/**
 * `npm run emulator:tablestore -- [--port <p>] [--data-dir <dir>] [--instance <name>]
 * [--access-key-id <id>] [--access-key-secret <s>]`: runs the emulator until SIGINT or
 * SIGTERM. Prints exactly one line when ready:
 * `Tablestore emulator listening on http://127.0.0.1:<p>`.
 */
import { runEmulatorCli } from '../serve';
import { parseArgs, USAGE, UsageError } from './cli-args';
import { startTablestoreEmulator } from './index';

void runEmulatorCli({
  usage: USAGE,
  parse: parseArgs,
  isUsageError: (error): error is UsageError => error instanceof UsageError,
  start: startTablestoreEmulator,
  readyLines: (e) => [`Tablestore emulator listening on ${e.url}`],
});
