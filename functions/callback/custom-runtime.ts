/**
 * The callback function as an FC 3.0 custom-runtime HTTP server: the same handler as the
 * built-in runtime's (`./index`), behind a minimal node:http server, so one instance
 * serves many callbacks at once (`instanceConcurrency`), which the built-in nodejs20
 * runtime cannot (FC 3.0 standard runtimes run one request per instance).
 *
 * What FC does with a custom runtime, as documented (read 2026-12-02):
 * - it starts the configured command (`customRuntimeConfig.command` + `args`) in the
 *   instance, with the code unpacked at /code, and waits up to 120 s for the server to
 *   listen on `0.0.0.0:<port>` (default 9000; not 127.0.0.1), then routes every request to
 *   it ("Principles", https://www.alibabacloud.com/help/en/functioncompute/fc/principles-1;
 *   https://alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/principles-1);
 *   FC tells the process the port in FC_CUSTOM_LISTEN_PORT (as the fc3 component's local
 *   runner does: devsapp/fc3 src/subCommands/local/impl/baseLocal.ts `getEnvString`);
 * - an HTTP-trigger request reaches the server as it was sent, path and body untouched,
 *   and the answer goes back the same way ("Code development for Custom Container
 *   runtimes", HTTP calls: https://help.aliyun.com/en/functioncompute/fc/user-guide/code-development-in-custom-container-runtimes);
 *   clients may not send `x-fc-*` headers (same page, request limits), so every `x-fc-*`
 *   header is FC's own;
 * - FC adds its context as request headers: x-fc-request-id, the role's temporary keys in
 *   x-fc-access-key-id / x-fc-access-key-secret / x-fc-security-token, x-fc-function-name,
 *   x-fc-function-memory, x-fc-function-handler, x-fc-region, x-fc-account-id,
 *   x-fc-qualifier, x-fc-version-id ("Context and log format", common request headers:
 *   https://alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/context-and-log-format-1);
 * - whatever the server writes to stdout is the function's log.
 *
 * This file turns each request into the FC 3.0 HTTP event and context the built-in
 * runtime would have passed (lib/fc/http-event.ts documents that shape) and the handler's
 * answer back into the HTTP response, so both runtimes run exactly the same code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FcContext, FcHttpEvent, FcHttpResponse } from '../../lib/fc';

/** A handler as the server calls it: the event bytes a built-in runtime would pass, and the context. */
export type HttpEventHandler = (event: Buffer, context: FcContext) => Promise<FcHttpResponse>;

/** FC's default listening port for custom runtimes. */
export const DEFAULT_PORT = 9000;

/**
 * A request body larger than this is refused before it is read whole: the callback
 * answers 413 for bodies over its own limit anyway (lib/callback/verify.ts), and an
 * unauthenticated client must not make the instance buffer more.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

// Go's server (FC's gateway) moves Host out of the header map and the body arrives whole:
// the built-in runtime's event carries none of these (local/fc-host/http-trigger.ts).
const DROPPED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A query component: `+` is a space there, and a malformed escape stays as sent. */
function decode(text: string): string {
  return decodePath(text.replace(/\+/g, ' '));
}

/** Query parameters as FC's event has them: decoded, several values joined with `,`. */
function queryOf(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return out;
}

/**
 * The FC 3.0 HTTP event for a request whose body has been read: the client's headers
 * (FC's own `x-fc-*` ones left out: they are context, not request), the raw path, and the
 * body as Base64, which keeps every byte OSS signed.
 *
 * @example httpEventOf(req, body).rawPath // '/oss/callback'
 */
export function httpEventOf(req: IncomingMessage, body: Buffer, now = Date.now()): FcHttpEvent {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (DROPPED.has(lower) || lower.startsWith('x-fc-')) continue;
    headers[name] = name in headers ? `${headers[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!;
  }
  const host = (header(req, 'host') ?? '').replace(/:\d+$/, '');
  return {
    version: 'v1',
    rawPath,
    headers,
    queryParameters: q < 0 ? {} : queryOf(url.slice(q + 1)),
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      accountId: header(req, 'x-fc-account-id') ?? '',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? '',
      requestId: header(req, 'x-fc-request-id') ?? '',
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(now),
      http: {
        method: req.method ?? 'GET',
        path: decodePath(rawPath),
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: header(req, 'user-agent') ?? '',
      },
    },
  };
}

/** The handler context from FC's `x-fc-*` headers (the role's keys included, never logged). */
export function contextOf(req: IncomingMessage): FcContext {
  const requestId = header(req, 'x-fc-request-id') || randomUUID();
  const line = (level: string) => (...args: unknown[]) => console.log(`${new Date().toISOString()} ${requestId} [${level}]`, ...args);
  return {
    requestId,
    credentials: {
      accessKeyId: header(req, 'x-fc-access-key-id') ?? '',
      accessKeySecret: header(req, 'x-fc-access-key-secret') ?? '',
      securityToken: header(req, 'x-fc-security-token') ?? '',
    },
    function: {
      name: header(req, 'x-fc-function-name') ?? '',
      handler: header(req, 'x-fc-function-handler') ?? '',
      memory: Number(header(req, 'x-fc-function-memory')) || 0,
      timeout: 0,
    },
    service: { qualifier: header(req, 'x-fc-qualifier') ?? '', versionId: header(req, 'x-fc-version-id') ?? '' },
    region: header(req, 'x-fc-region') ?? '',
    accountId: header(req, 'x-fc-account-id') ?? '',
    logger: { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR'), log: line('INFO') },
  };
}

function send(res: ServerResponse, answer: FcHttpResponse): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body, answer.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(answer.statusCode, { ...answer.headers, 'Content-Length': String(body.length) });
  res.end(body);
}

function refuse(res: ServerResponse, status: number, error: string, message: string): void {
  send(res, { statusCode: status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ error, message }) });
}

/**
 * An HTTP server that runs `handler` for every request, any number at once.
 *
 * @example
 * const server = callbackServer((event, context) => handler(event, context, () => undefined) as Promise<FcHttpResponse>);
 * server.listen(Number(process.env.FC_CUSTOM_LISTEN_PORT) || 9000, '0.0.0.0');
 */
export function callbackServer(handler: HttpEventHandler): Server {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        refused = true;
        refuse(res, 413, 'body_too_large', `request body is larger than ${MAX_REQUEST_BYTES} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      // The same bytes the built-in runtime hands the handler: the event's JSON.
      const event = Buffer.from(JSON.stringify(httpEventOf(req, Buffer.concat(chunks))));
      handler(event, contextOf(req)).then(
        (answer) => send(res, answer),
        // The handler never throws by design; if it does, the request still gets an answer.
        () => refuse(res, 500, 'internal_error', 'the callback could not be handled'),
      );
    });
  });
  // FC keeps connections to the instance open; idle ones must outlive its reuse of them.
  server.keepAliveTimeout = 65_000;
  return server;
}
