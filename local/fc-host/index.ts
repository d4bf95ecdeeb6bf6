/**
 * A local Function Compute host: runs built function bundles as FC 3.0's nodejs20
 * built-in runtime would, behind the two doors the cloud has:
 *
 * - the InvokeFunction API, on `url`, in both versions: 2016-08-15 as @alicloud/fc2 speaks
 *   it, and FC 3.0's 2023-03-30 (`/2023-03-30/functions/{fn}/invocations`, ACS3-HMAC-SHA256,
 *   invoke-api-v3.ts) as @alicloud/fc20230330 speaks it; sync and async, signed;
 * - an HTTP trigger per function, on a port of its own (`httpTriggerUrl(fn)`), so the
 *   path the function sees in `rawPath` is exactly the path the client called — OSS
 *   callbacks sign `url_decode(path)`, so nothing may be prefixed or stripped.
 *
 * Each function runs in child processes (instances) with only its own environment; see
 * instances.ts. README.md in this folder describes the behaviour for users.
 *
 * @example
 * const host = await startFcHost({ functions: [{ name: 'callback', bundle: 'dist/callback/index.js', env }] });
 * const client = new FC(host.accountId, host.fc2Options());
 * await client.invokeFunction('local', 'callback', '{}');
 * await host.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AsyncQueue, type AsyncStats } from './async-queue';
import { FcFunctionNotFoundError, FcHostConfigError, type FcFunctionErrorBody } from './errors';
import { buildHttpEvent, functionErrorAnswer, httpAnswerFromResult, writeAnswer } from './http-trigger';
import { InstancePool, type EncodedValue, type FunctionLogEntry, type InvokeOutcome, type RuntimeContext } from './instances';
import { CustomRuntimePool } from './custom-instances';
import { answerApiRequest, apiError, SYNC_PAYLOAD_LIMIT, type InvokeApiDeps, type SyncRun } from './invoke-api';
import { answerApiRequestV3, V3_PATH_PREFIX } from './invoke-api-v3';
import { checkJwt, compileJwtAuth, jwtRefusalAnswer, withClaimHeaders, type JwtCheck, type JwtTriggerAuth } from './jwt-auth';
import { newRequestId } from './request-id';
import { closeServer, listen, readBody } from '../serve';

export type { AsyncOutcome, AsyncStats } from './async-queue';
export type { FunctionLogEntry } from './instances';
export { FcHostConfigError, FcFunctionNotFoundError } from './errors';
export type { JwtTriggerAuth, JwtAuthConfig } from './jwt-auth';

/** One function to serve. */
export interface FcFunctionSpec {
  name: string;
  /** Path to the built bundle, e.g. `dist/callback/index.js` (CommonJS; `.mjs` is loaded as ESM). */
  bundle: string;
  /** `module.export`; the module part must name the bundle file. Default `<bundle basename>.handler`. */
  handler?: string;
  /** The function's own environment variables (FC: letters, digits, `_`; no `FC_` prefix; 4 KB in all). */
  env?: Record<string, string>;
  /** Handler time limit (default 60 000 ms). */
  timeoutMs?: number;
  /** Reported as `context.function.memory` and FC_FUNCTION_MEMORY_SIZE (default 512); not enforced. */
  memoryMb?: number;
  /** Most instances at once (default 4); more requests wait. */
  concurrency?: number;
  /**
   * `nodejs20` (default): FC 3.0's built-in runtime, one request per instance.
   * `custom.debian10`: a custom runtime, the code an HTTP server started by
   * `customRuntimeConfig` that serves up to `instanceConcurrency` requests at once
   * (custom-instances.ts).
   */
  runtime?: 'nodejs20' | 'custom.debian10';
  /** The custom runtime's start command (`command` then `args`, as in s.yaml); `port` is not used locally (each instance gets a free one). */
  customRuntimeConfig?: { command: string[]; args?: string[]; port?: number };
  /** Requests one custom-runtime instance serves at once, 1–200 (default 1); built-in runtimes take one whatever this says. */
  instanceConcurrency?: number;
  /** Retries of a failed async invocation, 0–8 (default 2). */
  asyncRetries?: number;
  /** Serve an HTTP trigger for this function (default true). */
  httpTrigger?: boolean;
  /** Port of the HTTP trigger (default 0: a free port). */
  httpPort?: number;
  /** `auto` (default): Base64 only for binary bodies; `base64`: always, to test handlers. */
  httpBodyEncoding?: 'auto' | 'base64';
  /** JWT authentication of the HTTP trigger, as s.yaml's `authType: jwt` + `authConfig` (jwt-auth.ts); default anonymous. */
  httpAuth?: JwtTriggerAuth;
}

export interface FcHostOptions {
  /** Port of the invoke API (default 0: a free port). */
  port?: number;
  host?: string;
  /** The one service the API serves (default `local`); FC 3.0 has no services, fc2 still names one. */
  service?: string;
  accountId?: string;
  region?: string;
  /** The key pair the invoke API accepts (defaults in DEFAULT_API_KEY). */
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Makes that key pair a temporary (STS) one: every API request must carry this token. */
  securityToken?: string;
  /** Put in `context.credentials` and ALIBABA_CLOUD_* env vars, as a function role's STS keys would be. */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  functions: FcFunctionSpec[];
  /** Receives function log lines and host events (default: discard). */
  log?: (line: string) => void;
  /** Receives each function log line, structured. */
  onLog?: (entry: FunctionLogEntry) => void;
  /** Delay before the first async retry, doubling after (default 500 ms). */
  asyncBackoffMs?: number;
}

/** The API key pair used when the options give none. Local only, never a real secret. */
export const DEFAULT_API_KEY = { accessKeyId: 'LTAI-local-fc-host', accessKeySecret: 'local-fc-host-secret' } as const;

/** The result of a synchronous invocation. */
export interface FcSyncResult {
  requestId: string;
  ok: boolean;
  /** The handler's result bytes (JSON text for objects); the error JSON when not ok. */
  payload: Buffer;
  error?: FcFunctionErrorBody;
  /** Why it failed, when not ok. */
  failure?: 'unhandled' | 'timeout' | 'crash' | 'init';
  durationMs: number;
  maxRssBytes: number;
}

/** An accepted asynchronous invocation. */
export interface FcAsyncAccepted {
  requestId: string;
  accepted: true;
}

/** Counters of one function. */
export interface FcFunctionStats {
  runtime: 'nodejs20' | 'custom.debian10';
  invocations: number;
  succeeded: number;
  failed: number;
  timeouts: number;
  crashes: number;
  coldStarts: number;
  instances: number;
  busy: number;
  waiting: number;
  /** Highest peak RSS any instance of the function reported. */
  peakRssBytes: number;
  /** Most instances at once. */
  peakInstances: number;
  /** Instance time spent with at least one request in flight, summed over instances: what FC bills as execution duration. */
  activeMs: number;
}

export interface FcHostStats {
  functions: Record<string, FcFunctionStats>;
  async: AsyncStats;
}

export interface FcHost {
  /** Base URL of the invoke API, e.g. `http://127.0.0.1:40123`. */
  url: string;
  accountId: string;
  region: string;
  service: string;
  /** The function's HTTP trigger base URL (its own port), e.g. `http://127.0.0.1:40124`; any path under it reaches the function. */
  httpTriggerUrl(fn: string): string;
  /** Options for `new FC(host.accountId, host.fc2Options())` from @alicloud/fc2. */
  fc2Options(): { accessKeyID: string; accessKeySecret: string; securityToken?: string; region: string; endpoint: string };
  /**
   * Config for `new Client(host.fc3Options())` of @alicloud/fc20230330 (FC 3.0 API): the
   * SDK takes a host[:port] endpoint and the protocol apart.
   */
  fc3Options(): { endpoint: string; protocol: 'http'; accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Invokes directly (no HTTP): synchronously, or queued like an async invocation. */
  invoke(fn: string, event: Buffer, opts?: { async?: false }): Promise<FcSyncResult>;
  invoke(fn: string, event: Buffer, opts: { async: true }): Promise<FcAsyncAccepted>;
  /** Resolves when no async invocation is running or waiting for a retry. */
  asyncIdle(): Promise<void>;
  stats(): FcHostStats;
  close(): Promise<void>;
}

interface Deployed {
  spec: FcFunctionSpec;
  handler: string;
  timeoutMs: number;
  memoryMb: number;
  retries: number;
  triggerId: string;
  pool: InstancePool | CustomRuntimePool;
  jwt?: JwtCheck;
  counters: { invocations: number; succeeded: number; failed: number; timeouts: number; crashes: number };
  trigger?: { server: Server; url: string };
}

const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const ENV_LIMIT = 4 * 1024;

function checkSpec(spec: FcFunctionSpec): { handler: string; exportName: string } {
  if (!spec.name || !/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(spec.name)) {
    throw new FcHostConfigError('invalid_function_spec', `invalid function name '${spec.name}'`);
  }
  const moduleName = basename(spec.bundle, extname(spec.bundle));
  const handler = spec.handler ?? `${moduleName}.handler`;
  const dot = handler.lastIndexOf('.');
  // A custom runtime's code is its own server: FC passes the handler on but nothing uses it.
  if (spec.runtime !== 'custom.debian10' && (dot <= 0 || handler.slice(0, dot) !== moduleName)) {
    throw new FcHostConfigError('invalid_function_spec', `handler '${handler}' of ${spec.name} must be '${moduleName}.<export>' for bundle ${spec.bundle}`);
  }
  const retries = spec.asyncRetries ?? 2;
  if (!Number.isInteger(retries) || retries < 0 || retries > 8) throw new FcHostConfigError('invalid_function_spec', `asyncRetries of ${spec.name} must be 0–8`);
  for (const [key, n] of [['timeoutMs', spec.timeoutMs], ['memoryMb', spec.memoryMb], ['concurrency', spec.concurrency]] as const) {
    if (n !== undefined && (!Number.isFinite(n) || n <= 0)) throw new FcHostConfigError('invalid_function_spec', `${key} of ${spec.name} must be positive`);
  }
  const concurrency = spec.instanceConcurrency ?? 1;
  // The fc3 component's schema: instanceConcurrency is an integer 1-200 (test/conformance/fc3/schema.json).
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) throw new FcHostConfigError('invalid_function_spec', `instanceConcurrency of ${spec.name} must be an integer 1–200`);
  if ((spec.runtime ?? 'nodejs20') === 'custom.debian10' && !(spec.customRuntimeConfig?.command.length ?? 0)) {
    throw new FcHostConfigError('invalid_function_spec', `${spec.name}: a custom runtime needs customRuntimeConfig.command`);
  }
  let size = 0;
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    // FC reserves FC_* and allows only letters, digits and `_` (environment variables docs).
    if (key.startsWith('FC_')) throw new FcHostConfigError('reserved_env', `${spec.name}: environment variable ${key} uses the reserved FC_ prefix`);
    if (!ENV_KEY.test(key)) throw new FcHostConfigError('invalid_function_spec', `${spec.name}: invalid environment variable name '${key}'`);
    if (typeof value !== 'string') throw new FcHostConfigError('invalid_function_spec', `${spec.name}: environment variable ${key} must be a string`);
    size += key.length + value.length;
  }
  if (size > ENV_LIMIT) throw new FcHostConfigError('env_too_large', `${spec.name}: environment variables exceed FC's 4 KB limit (${size} bytes)`);
  return { handler, exportName: handler.slice(dot + 1) };
}

/** Copies the bundle (and its source map) into a fresh code directory, as FC unpacks code to /code. */
async function deployCode(root: string, spec: FcFunctionSpec): Promise<string> {
  const source = resolve(spec.bundle);
  try {
    await stat(source);
  } catch {
    throw new FcHostConfigError('bundle_not_found', `bundle of ${spec.name} not found: ${spec.bundle}`);
  }
  const codeDir = join(root, spec.name);
  await mkdir(codeDir, { recursive: true });
  const target = join(codeDir, basename(source));
  await copyFile(source, target);
  await copyFile(`${source}.map`, `${target}.map`).catch(() => undefined);
  return target;
}

/** The handler's result as the bytes FC returns for it. */
function resultBytes(value: EncodedValue): Buffer {
  switch (value.kind) {
    case 'empty':
      return Buffer.alloc(0);
    case 'bytes':
      return Buffer.from(value.data);
    case 'string':
    case 'json':
      return Buffer.from(value.data, 'utf8');
  }
}

/**
 * Starts the host: deploys every function's bundle, opens the invoke API and the HTTP
 * triggers. Throws FcHostConfigError for a spec FC would refuse.
 */
export async function startFcHost(options: FcHostOptions): Promise<FcHost> {
  const hostName = options.host ?? '127.0.0.1';
  const service = options.service ?? 'local';
  const accountId = options.accountId ?? '1234567890123456';
  const region = options.region ?? 'cn-hangzhou';
  const accessKeyId = options.accessKeyId ?? DEFAULT_API_KEY.accessKeyId;
  const accessKeySecret = options.accessKeySecret ?? DEFAULT_API_KEY.accessKeySecret;
  const securityToken = options.securityToken;
  const token = securityToken !== undefined ? { securityToken } : {};
  const log = options.log ?? (() => undefined);
  const creds = options.credentials;

  const checked = options.functions.map((spec) => ({ spec, ...checkSpec(spec) }));
  const names = new Set<string>();
  for (const { spec } of checked) {
    if (names.has(spec.name)) throw new FcHostConfigError('duplicate_function', `function ${spec.name} is listed twice`);
    names.add(spec.name);
  }

  const codeRoot = await mkdtemp(join(tmpdir(), 'fc-host-'));
  const functions = new Map<string, Deployed>();
  const servers: Server[] = [];
  let closed = false;

  const onLog = (entry: FunctionLogEntry) => {
    // Formatted only for a listener: under load every function line passes through here.
    if (options.log) options.log(`${new Date().toISOString()} ${entry.fn} ${entry.requestId} [${entry.level}] ${entry.message}`);
    options.onLog?.(entry);
  };

  try {
    for (const { spec, handler, exportName } of checked) {
      const codeFile = await deployCode(codeRoot, spec);
      const memoryMb = spec.memoryMb ?? 512;
      const timeoutMs = spec.timeoutMs ?? 60_000;
      // FC's system environment variables (environment variables docs); nothing from the host but PATH.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        FC_FUNC_CODE_PATH: join(codeRoot, spec.name),
        FC_FUNCTION_NAME: spec.name,
        FC_FUNCTION_HANDLER: handler,
        FC_FUNCTION_MEMORY_SIZE: String(memoryMb),
        FC_REGION: region,
        FC_ACCOUNT_ID: accountId,
        ...(creds
          ? {
              ALIBABA_CLOUD_ACCESS_KEY_ID: creds.accessKeyId,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET: creds.accessKeySecret,
              ...(creds.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: creds.securityToken } : {}),
            }
          : {}),
        ...spec.env,
      };
      const maxInstances = spec.concurrency ?? 4;
      const custom = spec.runtime === 'custom.debian10' ? spec.customRuntimeConfig : undefined;
      functions.set(spec.name, {
        spec,
        handler,
        timeoutMs,
        memoryMb,
        retries: spec.asyncRetries ?? 2,
        triggerId: randomUUID(),
        pool: custom
          ? new CustomRuntimePool(
              { fnName: spec.name, codeDir: join(codeRoot, spec.name), command: [...custom.command, ...(custom.args ?? [])], env, maxInstances, instanceConcurrency: spec.instanceConcurrency ?? 1, timeoutMs, onLog },
              memoryMb,
            )
          : new InstancePool({ fnName: spec.name, codeFile, exportName, env, maxInstances, timeoutMs, onLog }),
        ...(spec.httpAuth ? { jwt: compileJwtAuth(spec.httpAuth.authConfig) } : {}),
        counters: { invocations: 0, succeeded: 0, failed: 0, timeouts: 0, crashes: 0 },
      });
    }
  } catch (err) {
    await rm(codeRoot, { recursive: true, force: true });
    throw err;
  }

  function contextFor(fn: Deployed, requestId: string): RuntimeContext {
    return {
      requestId,
      credentials: { accessKeyId: creds?.accessKeyId ?? '', accessKeySecret: creds?.accessKeySecret ?? '', securityToken: creds?.securityToken ?? '' },
      function: { name: fn.spec.name, handler: fn.handler, memory: fn.memoryMb, timeout: Math.ceil(fn.timeoutMs / 1000) },
      service: { name: service, logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region,
      accountId,
    };
  }

  async function run(fn: Deployed, event: Buffer, requestId: string): Promise<InvokeOutcome> {
    fn.counters.invocations++;
    const outcome = await fn.pool.invoke(event, contextFor(fn, requestId));
    if (outcome.ok) fn.counters.succeeded++;
    else {
      fn.counters.failed++;
      if (outcome.kind === 'timeout') fn.counters.timeouts++;
      if (outcome.kind === 'crash') fn.counters.crashes++;
    }
    return outcome;
  }

  async function runSync(name: string, event: Buffer, requestId: string): Promise<SyncRun & { failure?: FcSyncResult['failure'] }> {
    const fn = functions.get(name);
    if (!fn) throw new FcFunctionNotFoundError('function_not_found', `function '${name}' does not exist`);
    const outcome = await run(fn, event, requestId);
    if (outcome.ok) return { ok: true, payload: resultBytes(outcome.value), durationMs: outcome.durationMs, maxRssBytes: outcome.maxRssBytes, logs: outcome.logs };
    return {
      ok: false,
      payload: Buffer.from(JSON.stringify(outcome.error)),
      error: outcome.error,
      failure: outcome.kind,
      durationMs: outcome.durationMs,
      maxRssBytes: outcome.maxRssBytes,
      logs: outcome.logs,
    };
  }

  const asyncQueue = new AsyncQueue({
    run: (name, event, requestId) => {
      const fn = functions.get(name);
      if (!fn) return Promise.resolve({ ok: false, kind: 'init', error: { errorMessage: `function '${name}' does not exist` }, durationMs: 0, maxRssBytes: 0, logs: [] });
      return run(fn, event, requestId);
    },
    backoffMs: options.asyncBackoffMs ?? 500,
    log,
  });

  function enqueueAsync(name: string, event: Buffer, requestId: string): void {
    const fn = functions.get(name);
    if (!fn) throw new FcFunctionNotFoundError('function_not_found', `function '${name}' does not exist`);
    asyncQueue.enqueue(name, event, requestId, fn.retries);
  }

  async function onApiRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req, SYNC_PAYLOAD_LIMIT);
      const deps: InvokeApiDeps = {
        accessKeyId,
        accessKeySecret,
        ...token,
        service,
        hasFunction: (name) => functions.has(name),
        newRequestId,
        runSync,
        enqueueAsync,
      };
      // FC 3.0's API (2023-03-30) and FC 2.0's (2016-08-15, @alicloud/fc2) share the host.
      const v3 = (req.url ?? '').startsWith(V3_PATH_PREFIX);
      const answer = await (v3 ? answerApiRequestV3 : answerApiRequest)(req, body, requestId, deps);
      writeAnswer(res, answer, requestId);
    } catch (err) {
      log(`fc-host api ${requestId} internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) writeAnswer(res, apiError(500, 'InternalServerError', 'an internal error has occurred. Please retry.'), requestId);
    }
  }

  async function onTriggerRequest(fn: Deployed, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req, SYNC_PAYLOAD_LIMIT);
      if (body.length > SYNC_PAYLOAD_LIMIT) {
        // HTTP trigger FAQ (doc 85445): a request over the limits is a 400 FcCommonError.
        const answer = apiError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${SYNC_PAYLOAD_LIMIT} bytes)`);
        writeAnswer(res, { ...answer, headers: { ...answer.headers, 'X-Fc-Error-Type': 'FcCommonError' } }, requestId);
        return;
      }
      if (fn.pool instanceof CustomRuntimePool) {
        // A custom runtime gets the request itself, with FC's context headers.
        fn.counters.invocations++;
        const answer = await fn.pool.proxy({ method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body }, contextFor(fn, requestId));
        if (answer.ok) fn.counters.succeeded++;
        else {
          fn.counters.failed++;
          if (answer.kind === 'timeout') fn.counters.timeouts++;
          if (answer.kind === 'crash') fn.counters.crashes++;
        }
        writeAnswer(res, answer.ok ? { status: answer.status, headers: answer.headers, body: answer.body } : functionErrorAnswer(answer.error), requestId);
        return;
      }
      const event = buildHttpEvent(req, body, { requestId, accountId, triggerId: fn.triggerId, bodyEncoding: fn.spec.httpBodyEncoding ?? 'auto' });
      if (fn.jwt) {
        // FC checks the token before the function runs; a refused request never reaches it.
        const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
        const outcome = checkJwt(fn.jwt, { method: req.method ?? 'GET', path: event.requestContext.http.path, headers: req.headers, query, body });
        if (!outcome.ok) {
          log(`fc-host trigger ${fn.spec.name} ${requestId} refused: ${outcome.reason}`);
          writeAnswer(res, jwtRefusalAnswer(outcome.message), requestId);
          return;
        }
        event.headers = withClaimHeaders(event.headers, fn.jwt, outcome.claimHeaders);
      }
      const outcome = await run(fn, Buffer.from(JSON.stringify(event)), requestId);
      writeAnswer(res, outcome.ok ? httpAnswerFromResult(resultBytes(outcome.value)) : functionErrorAnswer(outcome.error), requestId);
    } catch (err) {
      log(`fc-host trigger ${fn.spec.name} ${requestId} internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) writeAnswer(res, apiError(500, 'InternalServerError', 'an internal error has occurred. Please retry.'), requestId);
    }
  }

  const apiServer = createServer((req, res) => void onApiRequest(req, res));
  servers.push(apiServer);
  let apiPort: number;
  try {
    apiPort = await listen(apiServer, options.port ?? 0, hostName);
    for (const fn of functions.values()) {
      if (fn.spec.httpTrigger === false) continue;
      const server = createServer((req, res) => void onTriggerRequest(fn, req, res));
      servers.push(server);
      const port = await listen(server, fn.spec.httpPort ?? 0, hostName);
      fn.trigger = { server, url: `http://${hostName}:${port}` };
    }
  } catch (err) {
    await Promise.all(servers.map((s) => (s.listening ? closeServer(s) : Promise.resolve())));
    await rm(codeRoot, { recursive: true, force: true });
    throw err;
  }
  const url = `http://${hostName}:${apiPort}`;
  log(`fc-host listening on ${url} (service ${service}): ${[...functions.values()].map((f) => `${f.spec.name}${f.trigger ? ` http ${f.trigger.url}` : ''}`).join(', ')}`);

  function requireFunction(name: string): Deployed {
    const fn = functions.get(name);
    if (!fn) throw new FcFunctionNotFoundError('function_not_found', `function '${name}' does not exist`);
    return fn;
  }

  async function invoke(name: string, event: Buffer, opts?: { async?: boolean }): Promise<FcSyncResult | FcAsyncAccepted> {
    requireFunction(name);
    const requestId = newRequestId();
    if (opts?.async) {
      enqueueAsync(name, event, requestId);
      return { requestId, accepted: true };
    }
    const r = await runSync(name, event, requestId);
    return {
      requestId,
      ok: r.ok,
      payload: r.payload,
      ...(r.error ? { error: r.error } : {}),
      ...(r.failure ? { failure: r.failure } : {}),
      durationMs: r.durationMs,
      maxRssBytes: r.maxRssBytes,
    };
  }

  const host: FcHost = {
    url,
    accountId,
    region,
    service,
    httpTriggerUrl(name) {
      const fn = requireFunction(name);
      if (!fn.trigger) throw new FcFunctionNotFoundError('function_not_found', `function '${name}' has no HTTP trigger`);
      return fn.trigger.url;
    },
    fc2Options: () => ({ accessKeyID: accessKeyId, accessKeySecret, ...token, region, endpoint: url }),
    fc3Options: () => ({ endpoint: new URL(url).host, protocol: 'http', accessKeyId, accessKeySecret, ...token }),
    invoke: invoke as FcHost['invoke'],
    asyncIdle: () => asyncQueue.idle(),
    stats() {
      const out: Record<string, FcFunctionStats> = {};
      for (const [name, fn] of functions) out[name] = { runtime: fn.spec.runtime ?? 'nodejs20', ...fn.counters, ...fn.pool.stats() };
      return { functions: out, async: asyncQueue.stats() };
    },
    async close() {
      if (closed) return;
      closed = true;
      asyncQueue.close();
      await Promise.all(servers.map(closeServer));
      await Promise.all([...functions.values()].map((f) => f.pool.close()));
      await rm(codeRoot, { recursive: true, force: true });
    },
  };
  return host;
}
