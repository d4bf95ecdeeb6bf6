/**
 * Instances of a custom-runtime function, run as FC 3.0 runs them: each instance is one
 * process started from the function's command, an HTTP server that takes many requests
 * at once, up to the function's `instanceConcurrency`. A request goes to an instance with
 * room; FC starts a new instance only when every instance is full ("Configure instance
 * concurrency": https://www.alibabacloud.com/help/en/fc/user-guide/configure-instance-concurrency,
 * read 2026-12-02), and at most `maxInstances` exist, as with a function's instance limit.
 *
 * What FC documents about the process (functions/callback/custom-runtime.ts cites the
 * pages): it starts `command` + `args` with the code at /code and waits up to 120 s for
 * the server to accept connections on the configured port (FC_CUSTOM_LISTEN_PORT);
 * HTTP-trigger requests reach it unchanged plus FC's `x-fc-*` context headers; API
 * invocations arrive as `POST /invoke` with the event as the body ("Code development for
 * Custom Container runtimes": https://help.aliyun.com/en/functioncompute/fc/user-guide/code-development-in-custom-container-runtimes);
 * stdout is the function's log.
 *
 * Locally, several instances share one machine, so each gets a free loopback port of its
 * own in FC_CUSTOM_LISTEN_PORT instead of 9000; `/var/fc/lang/nodejs20/bin/node` (Node 20
 * of custom.debian10: https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/overview-10-2)
 * is this Node, and `/code/…` is the function's code directory.
 *
 * Billing: an instance is billed for the time it has at least one request in flight, so
 * overlapping requests are paid once (same page: three 10 s requests on one instance are
 * 10 s, on three instances 30 s). `stats().activeMs` sums that time over instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { FcFunctionErrorBody } from './errors';
import { freePort } from '../serve';
import type { FunctionLogEntry, InvokeOutcome, RuntimeContext } from './instances';

/** The Node.js 20 of FC's custom.debian10 image, which the local host runs as its own Node. */
export const FC_NODE20 = '/var/fc/lang/nodejs20/bin/node';
/** FC waits this long for a custom runtime's server to listen (Principles page). */
export const STARTUP_LIMIT_MS = 120_000;

export interface CustomPoolConfig {
  fnName: string;
  /** The function's code directory (FC's /code). */
  codeDir: string;
  /** `customRuntimeConfig.command` followed by its `args`. */
  command: string[];
  /** The whole environment of an instance (nothing is inherited from the host). */
  env: Record<string, string>;
  maxInstances: number;
  /** Requests one instance serves at once (`instanceConcurrency`). */
  instanceConcurrency: number;
  timeoutMs: number;
  /** How long an instance may take to listen (default STARTUP_LIMIT_MS). */
  startupLimitMs?: number;
  onLog: (entry: FunctionLogEntry) => void;
}

/** An HTTP request to pass to an instance, its body read. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, exactly as the client sent them. */
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

/** An instance's answer, or the failure FC would report instead. */
export type ProxiedAnswer =
  | { ok: true; status: number; headers: Record<string, string | string[]>; body: Buffer; durationMs: number }
  | { ok: false; kind: 'timeout' | 'crash' | 'init'; error: FcFunctionErrorBody; durationMs: number };

/** Counters of a custom-runtime pool. */
export interface CustomPoolStats {
  instances: number;
  /** Requests in flight. */
  busy: number;
  waiting: number;
  coldStarts: number;
  peakInstances: number;
  peakRssBytes: number;
  /** Instance time with at least one request in flight, summed over instances (what FC bills). */
  activeMs: number;
}

// Hop-by-hop and framing headers are the proxy's own business, both ways.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The x-fc-* headers FC adds to every request ("Context and log format", common request headers). */
export function contextHeaders(context: RuntimeContext, memoryMb: number): Record<string, string> {
  return {
    'x-fc-request-id': context.requestId,
    'x-fc-access-key-id': context.credentials.accessKeyId,
    'x-fc-access-key-secret': context.credentials.accessKeySecret,
    'x-fc-security-token': context.credentials.securityToken,
    'x-fc-function-name': context.function.name,
    'x-fc-function-handler': context.function.handler,
    'x-fc-function-memory': String(memoryMb),
    'x-fc-region': context.region,
    'x-fc-account-id': context.accountId,
    'x-fc-qualifier': context.service.qualifier,
    'x-fc-version-id': context.service.versionId,
  };
}

/** The instance's command with FC's paths made local. */
export function localCommand(command: readonly string[], codeDir: string): string[] {
  return command.map((part, i) => {
    if (i === 0 && (part === FC_NODE20 || part === 'node')) return process.execPath;
    if (part === '/code') return codeDir;
    if (part.startsWith('/code/')) return path.join(codeDir, part.slice('/code/'.length));
    return part;
  });
}

class CustomInstance {
  readonly child: ChildProcess;
  readonly ready: Promise<FcFunctionErrorBody | undefined>;
  readonly agent = new http.Agent({ keepAlive: true });
  active = 0;
  dead = false;
  /**
   * Set when a connection to the server broke: its process is crashing (the socket errors
   * before the exit event), so no new request is handed to it.
   */
  broken = false;
  activeMs = 0;
  private busySince = 0;
  private readonly inFlight = new Set<(error: FcFunctionErrorBody) => void>();

  constructor(
    private readonly config: CustomPoolConfig,
    readonly port: number,
    private readonly onDeath: (instance: CustomInstance) => void,
  ) {
    const [file, ...args] = localCommand(config.command, config.codeDir);
    const env = { ...config.env, FC_CUSTOM_LISTEN_PORT: String(port), FC_INSTANCE_ID: `c-${randomBytes(8).toString('hex')}` };
    this.child = spawn(file!, args, { cwd: config.codeDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [stream, level] of [
      [this.child.stdout, 'INFO'],
      [this.child.stderr, 'ERROR'],
    ] as const) {
      // A line that is one of our JSON log lines names its request; others belong to none.
      if (stream) createInterface({ input: stream }).on('line', (line) => config.onLog({ fn: config.fnName, requestId: /"requestId":"([^"]*)"/.exec(line)?.[1] ?? '', level, message: line }));
    }
    const exited = new Promise<FcFunctionErrorBody>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.dead = true;
        resolve({ errorMessage: `Process exited unexpectedly during initialization (code ${code}, signal ${signal})` });
        for (const fail of this.inFlight) fail({ errorMessage: 'Process exited unexpectedly before completing request' });
        this.agent.destroy();
        this.onDeath(this);
      });
      this.child.once('error', (error) => resolve({ errorMessage: `could not start ${config.command.join(' ')}: ${error.message}` }));
    });
    this.ready = Promise.race([exited, this.waitListening()]);
  }

  private async waitListening(): Promise<FcFunctionErrorBody | undefined> {
    const limit = Date.now() + (this.config.startupLimitMs ?? STARTUP_LIMIT_MS);
    while (!this.dead) {
      if (await canConnect(this.port)) return undefined;
      if (Date.now() > limit) {
        this.kill();
        return { errorMessage: `Function instance health check failed on port ${this.port} in ${(this.config.startupLimitMs ?? STARTUP_LIMIT_MS) / 1000} seconds` };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { errorMessage: 'Process exited unexpectedly during initialization' };
  }

  private begin(): void {
    if (this.active++ === 0) this.busySince = Date.now();
  }

  private end(): void {
    if (--this.active === 0) this.activeMs += Date.now() - this.busySince;
  }

  /** Sends one request to the instance's server; never rejects. */
  send(request: ProxiedRequest, headers: Record<string, string>, timeoutMs: number): Promise<ProxiedAnswer> {
    const started = Date.now();
    this.begin();
    return new Promise<ProxiedAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: ProxiedAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(onCrash);
        this.end();
        resolve(answer);
      };
      const onCrash = (error: FcFunctionErrorBody): void => finish({ ok: false, kind: 'crash', error, durationMs: Date.now() - started });
      this.inFlight.add(onCrash);
      const outgoing = http.request({ host: '127.0.0.1', port: this.port, method: request.method, path: request.url, agent: this.agent, headers: { ...headers, 'content-length': String(request.body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => {
          this.broken = true;
          onCrash({ errorMessage: 'the function instance closed the connection before answering' });
        });
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          finish({ ok: true, status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks), durationMs: Date.now() - started });
        });
      });
      outgoing.on('error', () => {
        this.broken = true;
        onCrash({ errorMessage: 'the function instance closed the connection before answering' });
      });
      const timer = setTimeout(() => {
        outgoing.destroy();
        finish({ ok: false, kind: 'timeout', error: { errorMessage: `Function timed out after ${Math.round(timeoutMs / 100) / 10} seconds` }, durationMs: Date.now() - started });
      }, timeoutMs);
      outgoing.end(request.body);
    });
  }

  /** Peak RSS of the process as Linux reports it (VmHWM), or 0 where it cannot be read. */
  peakRssBytes(): number {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  /** Asks the server to stop (SIGTERM, as FC does), and kills it if it has not after `graceMs`. */
  stop(graceMs: number): void {
    if (this.dead) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    timer.unref();
    this.child.once('exit', () => clearTimeout(timer));
  }
}

/** The instances of one custom-runtime function. */
export class CustomRuntimePool {
  private readonly instances = new Set<CustomInstance>();
  private readonly waiters: Array<(instance: CustomInstance | undefined) => void> = [];
  private coldStarts = 0;
  private peakInstances = 0;
  private peakRss = 0;
  private retiredActiveMs = 0;
  private closed = false;

  constructor(
    private readonly config: CustomPoolConfig,
    private readonly memoryMb: number,
  ) {}

  /** Passes an HTTP-trigger request to an instance, with FC's context headers; never rejects. */
  async proxy(request: ProxiedRequest, context: RuntimeContext): Promise<ProxiedAnswer> {
    const headers: Record<string, string> = {};
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i]!.toLowerCase();
      // Clients cannot send x-fc-* headers to a function: those are FC's (the custom
      // container page's request limits); dropping them keeps a client from posing as FC.
      if (HOP_BY_HOP.has(name) || name.startsWith('x-fc-')) continue;
      headers[name] = name in headers ? `${headers[name]}, ${request.rawHeaders[i + 1]}` : request.rawHeaders[i + 1]!;
    }
    return this.run(request, { ...headers, ...contextHeaders(context, this.memoryMb) });
  }

  /** An API invocation: `POST /invoke` with the event as the body; a non-2xx answer is a function error. */
  async invoke(event: Buffer, context: RuntimeContext): Promise<InvokeOutcome> {
    const answer = await this.run({ method: 'POST', url: '/invoke', rawHeaders: [], body: event }, { 'content-type': 'application/octet-stream', ...contextHeaders(context, this.memoryMb) });
    const maxRssBytes = this.peakRss;
    if (!answer.ok) return { ok: false, kind: answer.kind, error: answer.error, durationMs: answer.durationMs, maxRssBytes, logs: [] };
    if (answer.status >= 200 && answer.status < 300) return { ok: true, value: { kind: 'bytes', data: answer.body }, durationMs: answer.durationMs, maxRssBytes, logs: [] };
    return { ok: false, kind: 'unhandled', error: { errorMessage: answer.body.toString('utf8') || `the function answered HTTP ${answer.status}` }, durationMs: answer.durationMs, maxRssBytes, logs: [] };
  }

  stats(): CustomPoolStats {
    let busy = 0;
    let activeMs = this.retiredActiveMs;
    for (const i of this.instances) {
      busy += i.active;
      activeMs += i.activeMs;
      this.peakRss = Math.max(this.peakRss, i.peakRssBytes());
    }
    return { instances: this.instances.size, busy, waiting: this.waiters.length, coldStarts: this.coldStarts, peakInstances: this.peakInstances, peakRssBytes: this.peakRss, activeMs };
  }

  /** Stops every instance (SIGTERM, then SIGKILL after `graceMs`); waiting requests are never served. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    const exits = [...this.instances].map((i) => (i.dead ? Promise.resolve() : new Promise<void>((resolve) => i.child.once('exit', () => resolve()))));
    for (const i of this.instances) {
      i.agent.destroy();
      i.stop(graceMs);
    }
    await Promise.all(exits);
  }

  private async run(request: ProxiedRequest, headers: Record<string, string>): Promise<ProxiedAnswer> {
    const started = Date.now();
    const instance = await this.acquire();
    if (!instance) return { ok: false, kind: 'crash', error: { errorMessage: 'FC host closed before the request ran' }, durationMs: 0 };
    try {
      const initError = await instance.ready;
      if (initError) {
        instance.kill();
        return { ok: false, kind: 'init', error: initError, durationMs: Date.now() - started };
      }
      return await instance.send(request, headers, this.config.timeoutMs);
    } finally {
      this.release(instance);
    }
  }

  private async acquire(): Promise<CustomInstance | undefined> {
    if (this.closed) return undefined;
    // Fill the instances there are before starting another, as FC does.
    for (const instance of this.instances) {
      if (!instance.dead && !instance.broken && this.assignedTo(instance) < this.config.instanceConcurrency) return this.assign(instance);
    }
    if (this.instances.size + this.starting < this.config.maxInstances) return this.assign(await this.spawn());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // Requests handed to each instance and not yet finished (while it starts, too): its load.
  private readonly assigned = new Map<CustomInstance, number>();
  private starting = 0;

  private assignedTo(instance: CustomInstance): number {
    return this.assigned.get(instance) ?? 0;
  }

  private assign(instance: CustomInstance): CustomInstance {
    this.assigned.set(instance, this.assignedTo(instance) + 1);
    return instance;
  }

  private async spawn(): Promise<CustomInstance> {
    this.coldStarts += 1;
    // Counted while its port is found, so concurrent requests do not start extra instances.
    this.starting += 1;
    try {
      const instance = new CustomInstance(this.config, await freePort(), (dead) => this.onDeath(dead));
      this.instances.add(instance);
      this.peakInstances = Math.max(this.peakInstances, this.instances.size);
      return instance;
    } finally {
      this.starting -= 1;
    }
  }

  private release(instance: CustomInstance): void {
    const left = this.assignedTo(instance) - 1;
    if (left > 0) this.assigned.set(instance, left);
    else this.assigned.delete(instance);
    if (instance.dead) return; // its exit (onDeath) hands the slots on
    const next = this.waiters.shift();
    if (next) next(this.assign(instance));
  }

  private onDeath(instance: CustomInstance): void {
    this.retiredActiveMs += instance.activeMs;
    this.peakRss = Math.max(this.peakRss, instance.peakRssBytes());
    this.instances.delete(instance);
    this.assigned.delete(instance);
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) void this.spawn().then((fresh) => next(this.assign(fresh)));
  }
}
