/**
 * Proxies the fault run puts between the uploader and the rest of the stack:
 *
 * - a recording proxy in front of the OSS emulator, which notes every request's OSS
 *   operation, object key, arrival time and answer, so a test can tell whether an object
 *   was stored again after its job was already `uploaded`;
 * - a gate in front of the callback function's HTTP trigger, which can be "down" (the
 *   connection is dropped, as an unreachable endpoint does), so OSS answers CallbackFailed.
 *
 * Both learn their upstream after the stack has started (`target`), because the stack's
 * functions must be given the proxies' URLs when they start.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { operationOf, parseTarget } from '../../local/oss/routing';
import { closeServer, listen } from '../../local/serve';
import type { RawRequest } from './harness';

async function listenLocal(server: http.Server): Promise<string> {
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () => closeServer(server);
}

/** One request that went through the OSS proxy. */
export interface OssExchange {
  operation: string;
  key?: string;
  /** performance.now() when the request arrived. */
  arrivedAt: number;
  /** HTTP status of the answer (0 when the upstream connection failed). */
  status: number;
  /** performance.now() when the upstream's answer arrived. */
  answeredAt: number;
}

export interface RecordingProxy {
  url: string;
  /** Upstream origin; set before the first request. */
  target: string;
  exchanges: OssExchange[];
  close(): Promise<void>;
}

/** Starts a proxy that forwards to `target` and records every exchange. */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const state: RecordingProxy = { url: '', target: '', exchanges: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const arrivedAt = performance.now();
    let operation = 'Unknown';
    let key: string | undefined;
    try {
      const target = parseTarget(req.headers.host, req.url ?? '/');
      operation = operationOf(req.method ?? 'GET', target);
      key = target.key;
    } catch {
      // An unparseable target is the emulator's to refuse; it is recorded as Unknown.
    }
    const upstream = new URL(state.target);
    const record = (status: number) => state.exchanges.push({ operation, ...(key !== undefined ? { key } : {}), arrivedAt, status, answeredAt: performance.now() });
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      record(answer.statusCode ?? 0);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => {
      record(0);
      res.destroy();
    });
    req.pipe(forward);
  });
  state.url = await listenLocal(server);
  state.close = closer(server);
  return state;
}

/** What the callback gate did with one callback. */
export interface GateEvent {
  jobId?: string;
  passed: boolean;
  /** The callback exactly as OSS sent it (header names and order kept), for replays. */
  request: RawRequest;
}

export interface CallbackGate {
  /** Base URL; append the callback path. */
  url: string;
  /** Upstream origin (the callback function's HTTP trigger). */
  target: string;
  /** While true, every callback's connection is dropped without an answer. */
  down: boolean;
  events: GateEvent[];
  /** Callbacks being forwarded now. */
  inflight(): number;
  close(): Promise<void>;
}

/** Starts a gate that forwards callbacks unchanged (path, headers, body) while up. */
export async function startCallbackGate(): Promise<CallbackGate> {
  let inflight = 0;
  const state: CallbackGate = { url: '', target: '', down: false, events: [], inflight: () => inflight, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const jobId = new URLSearchParams(body.toString('utf8')).get('x:job_id') ?? undefined;
      const [path, query] = (req.url ?? '/').split('?', 2) as [string, string | undefined];
      const headers: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const request: RawRequest = { method: req.method ?? 'POST', path, headers, body, ...(query !== undefined ? { query } : {}) };
      if (state.down) {
        state.events.push({ ...(jobId ? { jobId } : {}), passed: false, request });
        res.socket?.destroy();
        return;
      }
      state.events.push({ ...(jobId ? { jobId } : {}), passed: true, request });
      inflight += 1;
      const upstream = new URL(state.target);
      // Forwarded even if OSS stops waiting: the function runs to the end, as FC's would.
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          inflight -= 1;
          if (!res.destroyed) res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(parts));
        });
      });
      forward.on('error', () => {
        inflight -= 1;
        res.destroy();
      });
      forward.end(body);
    });
  });
  state.url = await listenLocal(server);
  state.close = closer(server);
  return state;
}
