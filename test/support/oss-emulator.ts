/**
 * Shared setup for the OSS emulator tests: an emulator on a free port, an ali-oss client
 * for it, and a callback server on 127.0.0.1 that records what OSS sends and answers as
 * each test tells it to.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OSS from 'ali-oss';
import { startOssEmulator, type OssEmulator, type OssEmulatorOptions } from '../../local/oss/index';

/**
 * An ali-oss client configured the way a new bucket needs it: endpoint, region, V4
 * signatures, bucket and keys.
 */
export function clientFor(emulator: OssEmulator, bucket: string, overrides: Partial<OSS.Options> = {}): OSS {
  return new OSS({
    endpoint: emulator.url,
    region: emulator.region,
    authorizationV4: true,
    bucket,
    accessKeyId: emulator.accessKeyId,
    accessKeySecret: emulator.accessKeySecret,
    ...overrides,
  });
}

export async function startEmulator(options: OssEmulatorOptions = {}): Promise<OssEmulator> {
  return startOssEmulator(options);
}

/** A request the callback server received. */
export interface ReceivedCallback {
  method: string;
  /** Raw request target (path and query, still encoded). */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** How the callback server answers one request. */
export interface CallbackAnswer {
  status?: number;
  body?: string | Buffer;
  contentType?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer without Content-Length (chunked). */
  chunked?: boolean;
}

export interface CallbackServer {
  url: string;
  received: ReceivedCallback[];
  /** What to answer next; the default is 200 `{"Status":"OK"}`. */
  answer: (request: ReceivedCallback) => CallbackAnswer;
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const state: CallbackServer = {
    url: '',
    received: [],
    answer: () => ({}),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedCallback = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      state.received.push(request);
      const answer = state.answer(request);
      const body = Buffer.from(answer.body ?? JSON.stringify({ Status: 'OK' }));
      const send = (): void => {
        if (res.destroyed) return;
        const headers: Record<string, string | number> = { 'Content-Type': answer.contentType ?? 'application/json' };
        if (!answer.chunked) headers['Content-Length'] = body.length;
        res.writeHead(answer.status ?? 200, headers);
        res.end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Base64 of JSON, as the x-oss-callback headers carry it. */
export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

/** What ali-oss rejects with for an OSS error answer. */
export interface OssError extends Error {
  status: number;
  code: string;
  ecCode?: string;
  requestId?: string;
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<OssError> {
  try {
    await promise;
  } catch (error) {
    return error as OssError;
  }
  assert.fail('expected the call to fail');
}
