/**
 * What every local server shares: listening on a loopback port, and running as a
 * command-line program until SIGINT or SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` listening and resolves with the port (port 0 picks a free one);
 * rejects when the port cannot be taken.
 *
 * @example const port = await listen(server, 0, '127.0.0.1');
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** What an emulator's command line needs to run it. */
export interface EmulatorCli<Options, Running extends { close(): Promise<void> }> {
  usage: string;
  /** Parses the flags; throws for bad ones (see `isUsageError`), or answers 'help'. */
  parse(argv: readonly string[]): Options | 'help';
  isUsageError(error: unknown): error is Error;
  start(options: Options): Promise<Running>;
  /** Lines printed once the emulator is ready; the last one is the "listening on" line. */
  readyLines(running: Running): string[];
}

/**
 * Runs an emulator from the command line: bad flags print the usage and exit 2,
 * `--help` prints it and exits 0, SIGINT/SIGTERM close the emulator and exit 0.
 *
 * @example runEmulatorCli({ usage: USAGE, parse: parseArgs, isUsageError, start: startOssEmulator, readyLines: (e) => [`OSS emulator listening on ${e.url}`] });
 */
export async function runEmulatorCli<Options, Running extends { close(): Promise<void> }>(cli: EmulatorCli<Options, Running>, argv = process.argv.slice(2)): Promise<void> {
  let options: Options | 'help';
  try {
    options = cli.parse(argv);
  } catch (error) {
    if (!cli.isUsageError(error)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${cli.usage}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(cli.usage);
    return;
  }
  try {
    const running = await cli.start(options);
    for (const line of cli.readyLines(running)) process.stdout.write(`${line}\n`);
    const stop = (): void => {
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * Stops `server`: idle keep-alive connections are closed too, so it never waits on a
 * client that keeps a socket open.
 *
 * @example await closeServer(server);
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
