import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import TableStore from 'tablestore';
import { backoffDelay } from '../backoff';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, type StoreConfig } from './config';
import { CAPTURED_RESPONSE, classifySdkError, REUSED_SOCKET, StoreError, type CapturedResponse, type RetryClass } from './errors';

/** Operations of the SDK the store uses, by the SDK's method names. */
export type TablestoreOperation = 'createTable' | 'describeTable' | 'getRow' | 'putRow' | 'updateRow' | 'getRange' | 'batchGetRow' | 'batchWriteRow' | 'createIndex';

/** How one logical call may be retried and how long it may take in all. */
export interface CallOptions {
  /** Epoch ms after which the call fails with StoreError 'timeout'. */
  deadlineAt: number;
  /**
   * True when repeating the request changes nothing (reads, plain PUTs); false for
   * INCREMENT, which is repeated only after failures that prove nothing was done.
   */
  idempotent: boolean;
}

/** Delays between attempts: exponential with jitter ("equal jitter": half fixed, half random). */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  random: () => number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 800, random: Math.random };

/** The SDK's request object, as far as the client needs it (lib/request.js). */
interface SdkRequest {
  httpRequest: { stream?: { destroy(error?: Error): void; reusedSocket?: boolean } };
  addListener(event: string, listener: (resp: SdkResponse) => void): void;
}
interface SdkResponse {
  error: (Error & { retryable?: boolean; [CAPTURED_RESPONSE]?: CapturedResponse }) | null;
  httpResponse: { statusCode: number; headers: Record<string, string | undefined>; body: Buffer | undefined };
}
type SdkMethod = (params: unknown, callback: (err: unknown, data: unknown) => void) => SdkRequest;
interface SdkClientInternals {
  setupRequestListeners(request: SdkRequest): void;
}

/**
 * The `tablestore` SDK client with its defects covered (docs/architecture.md#tablestore):
 * - every request has a socket timeout (`httpOptions.timeout`) and every call a deadline
 *   that aborts the request, so a store that stays down never hangs a function;
 * - the SDK's own retries are switched off for this client only (see `disableSdkRetries`),
 *   and this client retries itself with bounded, jittered back-off;
 * - error bodies are captured as bytes and decoded into `OTSConditionCheckFail` etc.;
 * - requests go through this client's own keep-alive agent, not Node's global one.
 *
 * @example
 * const client = new TablestoreClient(config);
 * const data = await client.call('getRow', params, { deadlineAt: Date.now() + 3000, idempotent: true });
 */
export class TablestoreClient {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  private readonly sdk: TableStore.Client;
  private readonly agent: http.Agent;
  private readonly backoff: BackoffPolicy;

  constructor(config: StoreConfig, backoff: BackoffPolicy = DEFAULT_BACKOFF) {
    this.timeoutMs = positiveInteger(config.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.maxAttempts = positiveInteger(config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 'maxAttempts');
    this.backoff = backoff;
    const secure = new URL(config.endpoint).protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });

    this.sdk = new TableStore.Client({
      endpoint: config.endpoint,
      instancename: config.instance,
      accessKeyId: config.credentials.accessKeyId,
      accessKeySecret: config.credentials.accessKeySecret,
      ...(config.credentials.securityToken ? { stsToken: config.credentials.securityToken } : {}),
      // No `maxRetries` here on purpose: lib/request.js copies it into the module-wide
      // TableStore.DefaultRetryPolicy.maxRetryTimes on every request, which would change
      // every other client in the process. Retries are switched off per request instead.
      httpOptions: sdkHttpOptions(this.timeoutMs, this.agent),
    });
    installListeners(this.sdk);
  }

  /**
   * Runs one SDK operation with this client's retries, within `options.deadlineAt`.
   * Resolves with the SDK's decoded answer; rejects with a StoreError.
   */
  async call<T>(operation: TablestoreOperation, params: unknown, options: CallOptions): Promise<T> {
    const label = operation.charAt(0).toUpperCase() + operation.slice(1);
    for (let attempt = 1; ; attempt += 1) {
      const remaining = options.deadlineAt - Date.now();
      if (remaining <= 0) throw deadlineError(label);
      let failure;
      try {
        return await this.send<T>(operation, params, remaining);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        failure = classifySdkError(err, label);
      }
      if (!mayRetry(failure.retry, options.idempotent) || attempt >= this.maxAttempts) throw failure.error;
      const delay = backoffDelay(this.backoff.baseMs, this.backoff.capMs, attempt, this.backoff.random);
      if (Date.now() + delay >= options.deadlineAt) throw failure.error;
      await sleep(delay);
    }
  }

  /** The pause before attempt `attempt + 1` of something this client's caller retries itself (rows of a batch). */
  retryDelay(attempt: number): number {
    return backoffDelay(this.backoff.baseMs, this.backoff.capMs, attempt, this.backoff.random);
  }

  /** Closes this client's idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** One attempt, aborted when `limitMs` passes. Rejects with the SDK's raw error, or a StoreError on deadline. */
  private send<T>(operation: TablestoreOperation, params: unknown, limitMs: number): Promise<T> {
    const method = (this.sdk as unknown as Record<TablestoreOperation, SdkMethod>)[operation];
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      // Both are declared before the SDK is called: it can call back synchronously (a
      // request it refuses to build, or one that fails at once), and a callback that ran
      // before `const` initialisation would throw a TDZ ReferenceError out of the SDK.
      const sent: { request?: ReturnType<SdkMethod> } = {};
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        // Abort the HTTP request so the socket does not linger; the SDK reports the
        // abort through its callback, which is ignored now that the call has failed.
        sent.request?.httpRequest.stream?.destroy(new Error('deadline exceeded'));
        reject(deadlineError(operation.charAt(0).toUpperCase() + operation.slice(1)));
      }, limitMs);
      sent.request = method.call(this.sdk, params, (err, data) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          // Node's advice for keep-alive: a reset on a reused socket usually means the server
          // had closed the idle connection before our request reached it.
          if (typeof err === 'object' && sent.request?.httpRequest.stream?.reusedSocket) (err as Record<symbol, unknown>)[REUSED_SOCKET] = true;
          reject(err);
        } else resolve(data as T);
      });
    });
  }
}

/**
 * Per-request listeners, added through this client instance only (the SDK calls
 * `client.setupRequestListeners(request)` for each request it builds, after the global
 * and core listeners: lib/client.js `addAllRequestListeners`).
 */
function installListeners(sdk: TableStore.Client): void {
  const internals = sdk as unknown as SdkClientInternals;
  const setup = internals.setupRequestListeners;
  internals.setupRequestListeners = function (this: unknown, request: SdkRequest) {
    setup.call(this, request);
    // Runs after the SDK's extractError, which has just thrown the body away into a string.
    request.addListener('extractError', (resp) => {
      if (!resp.error) return;
      const headers = resp.httpResponse.headers ?? {};
      const requestId = headers['x-ots-request-id'] ?? headers['x-ots-requestid'];
      resp.error[CAPTURED_RESPONSE] = {
        status: resp.httpResponse.statusCode,
        body: resp.httpResponse.body ?? Buffer.alloc(0),
        ...(requestId ? { requestId } : {}),
      };
    });
    // Runs after the core RETRY_CHECK listener: clearing `retryable` stops the SDK's own
    // retry (lib/event_listeners.js RESET_RETRY_STATE) for this client's requests only.
    request.addListener('retry', (resp) => {
      if (resp.error) resp.error.retryable = false;
    });
  };
}

/**
 * The SDK assigns `http.globalAgent.maxSockets` on every request (300 unless
 * `httpOptions.maxSockets` is set: lib/http/node.js). Reporting the global agent's own
 * current value makes that assignment change nothing; our requests use `agent`.
 */
function sdkHttpOptions(timeoutMs: number, agent: http.Agent): { timeout: number; agent: http.Agent; readonly maxSockets: number } {
  const globalAgent = agent instanceof https.Agent ? https.globalAgent : http.globalAgent;
  return {
    timeout: timeoutMs,
    agent,
    get maxSockets() {
      return globalAgent.maxSockets;
    },
  };
}

function mayRetry(retry: RetryClass, idempotent: boolean): boolean {
  return retry === 'not_applied' || (retry === 'maybe_applied' && idempotent);
}

function deadlineError(operation: string): StoreError {
  return new StoreError('timeout', `Tablestore ${operation} did not complete before the call's deadline`, { code: 'DeadlineExceeded' });
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}
