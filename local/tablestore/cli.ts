/**
 * `npm run emulator:tablestore -- [--port <p>] [--data-dir <dir>] [--instance <name>]
 * [--access-key-id <id>] [--access-key-secret <s>]`: runs the emulator until SIGINT or
 * SIGTERM. Prints exactly one line when ready:
 * `Tablestore emulator listening on http://127.0.0.1:<p>`.
 */
import { parseArgs, USAGE, UsageError } from './cli-args';
import { startTablestoreEmulator } from './index';

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await startTablestoreEmulator(options);
  process.stdout.write(`Tablestore emulator listening on ${emulator.url}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
