/**
 * A small HTTP server for `url` job sources on the local stack: files from a directory
 * (examples/files), and generated content of any size (`/generated/<bytes>.bin`),
 * streamed from a seeded generator so a 1 GiB source costs no disk and no memory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { closeServer, listen } from './serve';

export interface SourceServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** URL of a file under the served directory. */
  fileUrl(name: string): string;
  /** URL of `bytes` bytes of deterministic content. */
  generatedUrl(bytes: number): string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

/**
 * Deterministic pseudo-random bytes (xorshift32 seeded by the length), streamed in 64 KiB
 * chunks: the same URL always serves the same content, without storing it.
 *
 * @example for await (const chunk of generatedContent(1024)) hash.update(chunk);
 */
export function generatedContent(bytes: number): Readable {
  let state = (bytes % 0xffffffff) + 0x9e3779b9;
  let remaining = bytes;
  return new Readable({
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK, remaining);
      const chunk = Buffer.allocUnsafe(size + ((4 - (size % 4)) % 4));
      for (let i = 0; i < chunk.length; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk.writeUInt32LE(state >>> 0, i);
      }
      remaining -= size;
      this.push(size === chunk.length ? chunk : chunk.subarray(0, size));
    },
  });
}

const TYPES: Record<string, string> = { '.txt': 'text/plain; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.csv': 'text/csv', '.html': 'text/html' };

/** Starts the server on 127.0.0.1 (port 0 = a free one); rejects when the port is taken. */
export async function startSourceServer(options: { directory: string; port?: number }): Promise<SourceServer> {
  const root = path.resolve(options.directory);
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const generated = /^\/generated\/(\d{1,12})\.bin$/.exec(url.pathname);
      if (generated) {
        const bytes = Number(generated[1]);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
        if (req.method === 'HEAD') return res.end();
        generatedContent(bytes).pipe(res);
        return;
      }
      if (url.pathname.startsWith('/files/')) {
        const name = decodeURIComponent(url.pathname.slice('/files/'.length));
        const file = path.resolve(root, name);
        if (file.startsWith(root + path.sep)) {
          const info = await stat(file).catch(() => undefined);
          if (info?.isFile()) {
            res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': String(info.size) });
            if (req.method === 'HEAD') return res.end();
            createReadStream(file).pipe(res);
            return;
          }
        }
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    })().catch(() => res.destroy());
  });
  // listen() rejects on EADDRINUSE; a bare server.listen() would throw it as an uncaught 'error' event.
  const port = await listen(server, options.port ?? 0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    fileUrl: (name) => `${base}/files/${name.split('/').map(encodeURIComponent).join('/')}`,
    generatedUrl: (bytes) => `${base}/generated/${bytes}.bin`,
    requests: () => requests,
    close: () => closeServer(server),
  };
}
