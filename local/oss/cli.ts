/**
 * `npm run emulator:oss -- [--port <p>] [--data-dir <dir>] [--access-key-id <id>]
 * [--access-key-secret <s>]`: runs the OSS emulator until SIGINT or SIGTERM. When ready
 * it prints the callback public-key URL prefix (for CALLBACK_PUBKEY_URL_PREFIXES), then
 * exactly one line `OSS emulator listening on http://127.0.0.1:<p>`. Bad flags exit 2.
 */
import { parseArgs, USAGE, UsageError } from './cli-args';
import { startOssEmulator } from './index';

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
  const emulator = await startOssEmulator(options);
  process.stdout.write(`Callback public key URL prefix: ${emulator.publicKeyUrlPrefix}\n`);
  process.stdout.write(`OSS emulator listening on ${emulator.url}\n`);
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
