/**
 * What every local server shares: listening on a loopback port, reading request bodies,
 * stopping, and running as a command-line program until SIGINT or SIGTERM.
 */
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { readCommandLine, type Command } from '../tools/cli';

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

/**
 * A loopback port free right now (the OS picks it; it is released before returning), for a
 * child process that must be told its port before it listens.
 *
 * @example const port = await freePort(); spawn('node', ['server.js'], { env: { PORT: String(port) } });
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The URL a client uses for a server listening on `host` and `port`: an IPv6 host in
 * brackets, and a wildcard address (`0.0.0.0`, `::`) as the loopback one.
 *
 * @example serverUrl('::1', 9000) // => 'http://[::1]:9000'
 */
export function serverUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

/** What an emulator's command line needs to run it: its name, usage and parser (tools/cli.ts), and how to start it. */
export interface EmulatorCli<Options, Running extends { close(): Promise<void> }> extends Command<Options> {
  start(options: Options): Promise<Running>;
  /** Lines printed once the emulator is ready (the URL among them, for a parent process to read). */
  readyLines(running: Running): string[];
}

/**
 * Runs an emulator from the command line: bad flags print the usage and exit 2,
 * `--help` prints it and exits 0 (readCommandLine), SIGINT/SIGTERM close the emulator
 * and exit 0.
 *
 * @example runEmulatorCli({ name: 'emulator:oss', usage: USAGE, parse: parseArgs, start: startOssEmulator, readyLines: (e) => [`OSS emulator listening on ${e.url}`] });
 */
export async function runEmulatorCli<Options, Running extends { close(): Promise<void> }>(cli: EmulatorCli<Options, Running>, argv = process.argv.slice(2)): Promise<void> {
  const options = readCommandLine(cli, argv);
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

/**
 * Reads a request body, keeping at most `maxBytes + 1` bytes: a body longer than
 * `maxBytes` comes back longer than `maxBytes` (so the caller can answer "too large" as
 * its service does), while memory stays bounded and the rest is still read off the socket.
 *
 * @example const body = await readBody(req, MAX_BODY_BYTES); if (body.length > MAX_BODY_BYTES) …
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size <= maxBytes) chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks).subarray(0, maxBytes + 1)));
    req.on('error', reject);
  });
}

/**
 * A request header as one string. Node gives a few repeated headers as arrays; their
 * values are joined with `,`, as HTTP combines a repeated field (RFC 9110 section 5.3,
 * https://www.rfc-editor.org/rfc/rfc9110#section-5.3).
 *
 * @example headerText(req.headers, 'content-type') // => 'application/xml'
 */
export function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
