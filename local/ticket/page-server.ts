/**
 * Serves the upload page (local/ticket/page/) and, on the same origin, the ticket
 * endpoints: `/tickets` and `/tickets/{jobId}` are passed to the ticket function's HTTP
 * trigger as they are, Authorization header included. The page is on its own port, like
 * an application's site; in production an application reaches the ticket function on its
 * own domain too (FC custom domain, docs/tickets.md), and only the upload itself crosses
 * origins, to OSS, under the bucket's CORS rules.
 */
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeServer, listen } from '../serve';

const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/upload.js': { file: 'upload.js', type: 'text/javascript; charset=utf-8' },
};
const MAX_PROXY_BODY = 64 * 1024;

/** A running page server. */
export interface UploadPage {
  /** e.g. `http://127.0.0.1:40125/` */
  url: string;
  /** The origin, for the OSS emulator's CORS rules. */
  origin: string;
  close(): Promise<void>;
}

export interface UploadPageOptions {
  /** The ticket trigger's base URL (`host.httpTriggerUrl('ticket')`). */
  ticketTriggerUrl: string;
  /** The development bearer token the page uses. */
  token: string;
  port?: number;
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PROXY_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function proxy(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, 'application/json', JSON.stringify({ error: 'body_too_large', message: 'ticket requests are small' }));
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, ...(body.length > 0 ? { body } : {}) });
  send(res, answer.status, answer.headers.get('content-type') ?? 'application/json', Buffer.from(await answer.arrayBuffer()));
}

/**
 * Starts the page server on a free loopback port (or `port`).
 *
 * @example const page = await startUploadPage({ ticketTriggerUrl: fc.httpTriggerUrl('ticket'), token });
 */
export async function startUploadPage(options: UploadPageOptions): Promise<UploadPage> {
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const handle = async (): Promise<void> => {
      if (pathname === '/tickets' || pathname.startsWith('/tickets/')) return proxy(req, res, options.ticketTriggerUrl);
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
      if (pathname === '/config.json') return send(res, 200, 'application/json', JSON.stringify({ token: options.token }));
      const file = STATIC[pathname];
      if (!file) return send(res, 404, 'text/plain', 'not found');
      send(res, 200, file.type, await readFile(path.join(PAGE_DIR, file.file)));
    };
    handle().catch(() => {
      if (!res.headersSent) send(res, 502, 'application/json', JSON.stringify({ error: 'bad_gateway', message: 'the ticket function could not be reached' }));
      else res.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${port}`;
  return { url: `${origin}/`, origin, close: () => closeServer(server) };
}
