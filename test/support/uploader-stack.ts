/**
 * Shared set-up of the uploader tests: the OSS and Tablestore emulators (one key pair for
 * both, as a function's role has), a counting proxy in front of OSS, a callback server
 * that records jobs the way the callback function does (token checked, `uploaded`
 * written, 200 JSON, or XML on demand) or fails on demand, and a source server with the answers url
 * sources meet in the wild.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { parseCallbackPayload } from '../../lib/callback/payload';
import { jobVarsOf } from '../../lib/callback/receive';
import { JOB_ID_VAR, TOKEN_VAR, verifyJobToken } from '../../lib/protocol/token';
import { RecordStore } from '../../lib/store/store';
import { startOssEmulator, type OssEmulator } from '../../local/oss/index';
import { operationOf, parseTarget } from '../../local/oss/routing';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore/index';
import { closeServer, listen } from '../../local/serve';

export const ACCESS_KEY_ID = 'LTAI-uploader-test';
export const ACCESS_KEY_SECRET = 'uploader-test-secret';
export const TOKEN_SECRET = 'uploader-test-token-secret-0123456789';
export const TARGET_BUCKET = 'uploads';
export const SOURCE_BUCKET = 'sources';

const KiB = 1024;

/** Byte `i` of every generated source: a pattern that catches reordered or lost parts. */
export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    const n = offset + i;
    out[i] = (n * 31 + (n >>> 11)) & 0xff;
  }
  return out;
}

/** MD5 (hex) of the first `length` pattern bytes, computed in pieces. */
export function patternMd5(length: number): string {
  const hash = createHash('md5');
  for (let offset = 0; offset < length; offset += 1024 * KiB) hash.update(patternBytes(offset, Math.min(1024 * KiB, length - offset)));
  return hash.digest('hex');
}

function patternStream(length: number, chunk = 64 * KiB): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= length) {
        this.push(null);
        return;
      }
      const size = Math.min(chunk, length - offset);
      this.push(patternBytes(offset, size));
      offset += size;
    },
  });
}

async function listenLocal(server: http.Server): Promise<string> {
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () => closeServer(server);
}

/** Serves test sources. Every request's path is remembered in `requests`. */
export interface SourceServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Routes: `/bytes/<n>` (pattern bytes with Content-Length), `/chunked/<n>` (the same
 * without), `/status/<code>`, `/redirect?to=<url>`, `/loop` (redirects to itself),
 * `/stall` (headers and 1 KiB, then silence), `/hang` (no answer at all).
 */
export async function startSourceServer(): Promise<SourceServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://source');
    requests.push(url.pathname);
    const [, route, arg] = url.pathname.split('/');
    switch (route) {
      case 'bytes':
      case 'chunked': {
        const length = Number(arg);
        const headers: Record<string, string | number> = { 'Content-Type': 'application/x-test-pattern' };
        if (route === 'bytes') headers['Content-Length'] = length;
        res.writeHead(200, headers);
        patternStream(length).pipe(res);
        return;
      }
      case 'status':
        res.writeHead(Number(arg), { 'Content-Type': 'text/plain' }).end(`status ${arg}`);
        return;
      case 'redirect':
        res.writeHead(302, { Location: url.searchParams.get('to') ?? '/' }).end();
        return;
      case 'loop':
        res.writeHead(302, { Location: '/loop' }).end();
        return;
      case 'stall':
        res.writeHead(200, { 'Content-Length': 10 * KiB });
        res.write(patternBytes(0, KiB));
        return;
      case 'hang':
        return;
      default:
        res.writeHead(404).end();
    }
  });
  const url = await listenLocal(server);
  return { url, requests, close: closer(server) };
}

/** How the test callback server answers. */
export type CallbackMode = 'record' | 'fail' | 'xml';

export interface CallbackServer {
  url: string;
  mode: CallbackMode;
  /** Job ids of the callbacks received, in order. */
  received: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for the callback function: reads the form body, checks the job token,
 * writes `uploaded` (recorded by `callback`) and answers 200 JSON — or, in `fail` mode,
 * answers 500, which OSS turns into 203 CallbackFailed for the uploader.
 */
export async function startCallbackServer(store: RecordStore): Promise<CallbackServer> {
  const state: CallbackServer = { url: '', mode: 'record', received: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const payload = parseCallbackPayload(Buffer.concat(chunks), req.headers['content-type']);
          const jobId = payload.vars[JOB_ID_VAR]!;
          state.received.push(jobId);
          if (state.mode === 'fail') throw new Error('callback told to fail');
          verifyJobToken([TOKEN_SECRET], { jobId, bucket: payload.bucket, key: payload.object, vars: jobVarsOf(payload.vars) }, payload.vars[TOKEN_VAR]);
          const vars: Record<string, string> = {};
          for (const [k, v] of Object.entries(payload.vars)) if (k.startsWith('x:var_')) vars[k.slice('x:var_'.length)] = v;
          await store.record({
            jobId,
            status: 'uploaded',
            recordedBy: 'callback',
            bucket: payload.bucket,
            object: payload.object,
            etag: payload.etag,
            size: payload.size,
            ...(payload.operation ? { operation: payload.operation } : {}),
            ...(Object.keys(vars).length > 0 ? { vars } : {}),
          });
          if (state.mode === 'xml') {
            // OSS also passes an XML answer (Content-Type application/xml) through: the
            // response requirements of OSS's Callback page, https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
            const xml = `<?xml version="1.0" encoding="UTF-8"?><Result><JobId>${jobId}</JobId></Result>`;
            res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) }).end(xml);
            return;
          }
          const body = JSON.stringify({ jobId, status: 'uploaded', etag: payload.etag, size: payload.size });
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
        } catch (error) {
          const body = JSON.stringify({ error: 'refused', message: (error as Error).message });
          res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
        }
      })();
    });
  });
  state.url = `${await listenLocal(server)}/oss-callback`;
  state.close = closer(server);
  return state;
}

/** Forwards to the OSS emulator and counts requests by OSS operation name. */
export interface CountingProxy {
  url: string;
  counts: Map<string, number>;
  count(operation: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const operation = operationOf(req.method ?? 'GET', parseTarget(req.headers.host, req.url ?? '/'));
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const url = await listenLocal(server);
  return { url, counts, count: (op) => counts.get(op) ?? 0, reset: () => counts.clear(), close: closer(server) };
}

/** Everything an uploader integration test needs. */
export interface Stack {
  oss: OssEmulator;
  tablestore: TablestoreEmulator;
  proxy: CountingProxy;
  store: RecordStore;
  callback: CallbackServer;
  sources: SourceServer;
  /** ali-oss client of a bucket, straight to the emulator (not counted). */
  client(bucket: string): OSS;
  /** The uploader's environment for this stack. */
  env(overrides?: Record<string, string>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startStack(options: { ossDataDir?: string } = {}): Promise<Stack> {
  const oss = await startOssEmulator({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET, ...(options.ossDataDir ? { dataDir: options.ossDataDir } : {}) });
  const tablestore = await startTablestoreEmulator({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  const proxy = await startCountingProxy(oss.url);
  const store = new RecordStore({
    endpoint: tablestore.url,
    instance: tablestore.instance,
    table: 'upload_results',
    credentials: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
  });
  await store.ensureTable();
  const callback = await startCallbackServer(store);
  const sources = await startSourceServer();
  const client = (bucket: string): OSS =>
    new OSS({ endpoint: oss.url, region: oss.region, authorizationV4: true, bucket, accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  await client(TARGET_BUCKET).putBucket(TARGET_BUCKET);
  await client(SOURCE_BUCKET).putBucket(SOURCE_BUCKET);
  return {
    oss,
    tablestore,
    proxy,
    store,
    callback,
    sources,
    client,
    env: (overrides = {}) => ({
      OSS_ENDPOINT: proxy.url,
      OSS_REGION: oss.region,
      OSS_BUCKET: TARGET_BUCKET,
      CALLBACK_URL: callback.url,
      CALLBACK_TOKEN_SECRET: TOKEN_SECRET,
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: tablestore.instance,
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
      UPLOAD_ALLOW_PRIVATE_SOURCES: 'true',
      UPLOAD_RETRY_BASE_DELAY_MS: '5',
      UPLOAD_MULTIPART_THRESHOLD_BYTES: String(512 * KiB),
      UPLOAD_PART_SIZE_BYTES: String(256 * KiB),
      SOURCE_TIMEOUT_MS: '1000',
      ...overrides,
    }),
    close: async () => {
      store.close();
      await Promise.all([sources.close(), callback.close(), proxy.close()]);
      await Promise.all([oss.close(), tablestore.close()]);
    },
  };
}

let counter = 0;
/** A job id no other test uses. */
export function freshJobId(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}
