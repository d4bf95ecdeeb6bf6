/**
 * `npm run emulator:tablestore -- [--port <p>] [--data-dir <dir>] [--instance <name>]
 * [--access-key-id <id>] [--access-key-secret <s>]`: runs the emulator until SIGINT or
 * SIGTERM. Prints exactly one line when ready:
 * `Tablestore emulator listening on http://127.0.0.1:<p>`.
 */
import { runEmulatorCli } from '../serve';
import { parseArgs, USAGE } from './cli-args';
import { startTablestoreEmulator } from './index';

void runEmulatorCli({
  name: 'emulator:tablestore',
  usage: USAGE,
  parse: parseArgs,
  start: startTablestoreEmulator,
  readyLines: (e) => [`Tablestore emulator listening on ${e.url}`],
});
