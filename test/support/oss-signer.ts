/**
 * Signing callbacks as OSS does, with a key of our own, for round-trip and tampering
 * tests, and a tiny HTTP server that serves public keys (or misbehaves on purpose).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signedBytes } from '../../lib/callback/verify';

export interface TestKeyPair {
  privateKey: KeyObject;
  publicPem: string;
}

/** A fresh RSA key pair (512-bit like OSS's, unless told otherwise). */
export function testKeyPair(modulusLength = 1024): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Headers OSS would send for this request, signed with `privateKey`. */
export function signAsOss(
  privateKey: KeyObject,
  keyUrl: string,
  req: { path: string; query?: string; body: string | Uint8Array; contentType?: string },
): Record<string, string> {
  const signature = sign('md5', signedBytes(req.path, req.query, req.body), privateKey);
  return {
    authorization: signature.toString('base64'),
    'x-oss-pub-key-url': Buffer.from(keyUrl).toString('base64'),
    'content-type': req.contentType ?? 'application/x-www-form-urlencoded',
    'x-oss-bucket': 'test-bucket',
    'x-oss-request-id': '5C06A3B67B8B5A3DA422299D',
  };
}

export interface KeyServer {
  /** Base URL with a trailing slash, to use as an allowed prefix. */
  prefix: string;
  /** How many requests reached the server. */
  hits(): number;
  close(): Promise<void>;
}

/** Serves `routes[path]` (a PEM, or a handler for misbehaviour) on 127.0.0.1. */
export async function startKeyServer(routes: Record<string, string | http.RequestListener>): Promise<KeyServer> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    const route = routes[req.url ?? ''];
    if (route === undefined) {
      res.writeHead(404).end();
    } else if (typeof route === 'string') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(route);
    } else {
      route(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    prefix: `http://127.0.0.1:${port}/`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
