import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { FcFunctionErrorBody } from './errors';

/**
 * A pool of instances of one function. Each instance is a child process running
 * runtime.mjs with the function's own environment; like an FC built-in runtime it serves
 * one request at a time. A request takes an idle instance, or starts one (a cold start)
 * while fewer than `maxInstances` exist, or waits for one to come free.
 *
 * Why processes: FC gives each function its own environment (bundles read process.env
 * at load), isolates crashes (process.exit in a handler kills only its instance), and
 * the instance's peak RSS is the function's memory, which benchmarks read from stats.
 */

const RUNTIME = fileURLToPath(new URL('./runtime.mjs', import.meta.url));

/** The handler's result as the instance encoded it (see runtime.mjs). */
export type EncodedValue =
  | { kind: 'empty' }
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'string'; data: string }
  | { kind: 'json'; data: string };

/** How one invocation ended. */
export type InvokeOutcome =
  | { ok: true; value: EncodedValue; durationMs: number; maxRssBytes: number; logs: string[] }
  | {
      ok: false;
      /** unhandled: the handler threw or rejected; init: the code failed to load. */
      kind: 'unhandled' | 'timeout' | 'crash' | 'init';
      error: FcFunctionErrorBody;
      durationMs: number;
      maxRssBytes: number;
      logs: string[];
    };

/** The context fields sent to the instance (the logger is made there). */
export interface RuntimeContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { name: string; logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
}

/** One log line of a function, as the host reports it. */
export interface FunctionLogEntry {
  fn: string;
  requestId: string;
  level: string;
  message: string;
}

export interface PoolConfig {
  fnName: string;
  codeFile: string;
  exportName: string;
  /** The whole environment of an instance (nothing is inherited from the host). */
  env: Record<string, string>;
  maxInstances: number;
  timeoutMs: number;
  onLog: (entry: FunctionLogEntry) => void;
}

/** Counters of one function's pool. */
export interface PoolStats {
  instances: number;
  busy: number;
  waiting: number;
  coldStarts: number;
  peakRssBytes: number;
  /** Most instances that existed at once. */
  peakInstances: number;
  /** Time instances spent on requests, summed (one request per instance: the requests' durations). */
  activeMs: number;
}

interface Pending {
  id: string;
  requestId: string;
  started: number;
  logs: string[];
  timer?: NodeJS.Timeout;
  resolve: (outcome: InvokeOutcome) => void;
}

const MAX_TAIL_LINES = 200;

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(2);
}

class Instance {
  readonly child: ChildProcess;
  busy = false;
  dead = false;
  /** Killed or dying: never handed another request. */
  retired = false;
  maxRssBytes = 0;
  current?: Pending;
  readonly ready: Promise<FcFunctionErrorBody | undefined>;
  private seq = 0;

  constructor(
    private readonly config: PoolConfig,
    private readonly onDeath: (instance: Instance) => void,
  ) {
    const env = { ...config.env, FC_INSTANCE_ID: `c-${randomBytes(8).toString('hex')}` };
    // execArgv [] so the instance does not inherit the host's TypeScript loader.
    this.child = fork(RUNTIME, [], { env, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    for (const [stream, level] of [
      [this.child.stdout, 'INFO'],
      [this.child.stderr, 'ERROR'],
    ] as const) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.log(level, line, this.current?.requestId ?? ''));
    }
    this.ready = new Promise((resolve) => {
      const onMessage = (msg: { type: string; error?: FcFunctionErrorBody }) => {
        if (msg.type === 'ready') resolve(undefined);
        else if (msg.type === 'init-error') resolve(msg.error);
        else return;
        this.child.off('message', onMessage);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code, signal) => resolve({ errorMessage: `Process exited unexpectedly during initialization (code ${code}, signal ${signal})` }));
    });
    this.child.on('message', (msg: Record<string, unknown>) => this.onMessage(msg));
    this.child.on('exit', () => this.onExit());
    this.child.on('error', () => this.onExit());
    this.child.send({ type: 'init', codeFile: config.codeFile, exportName: config.exportName });
  }

  private log(level: string, message: string, requestId: string): void {
    if (this.current && this.current.requestId === requestId) {
      this.current.logs.push(`${new Date().toISOString()} ${requestId} [${level}] ${message}`);
      if (this.current.logs.length > MAX_TAIL_LINES) this.current.logs.shift();
    }
    this.config.onLog({ fn: this.config.fnName, requestId, level, message });
  }

  private onMessage(msg: Record<string, unknown>): void {
    if (msg.type === 'log') {
      this.log(String(msg.level), String(msg.message), String(msg.requestId));
      return;
    }
    if (msg.type !== 'result' || !this.current || msg.id !== this.current.id) return;
    const pending = this.current;
    this.maxRssBytes = Math.max(this.maxRssBytes, Number(msg.maxRssBytes) || 0);
    const durationMs = Date.now() - pending.started;
    if (msg.ok) {
      this.finish({ ok: true, value: msg.value as EncodedValue, durationMs, maxRssBytes: this.maxRssBytes, logs: pending.logs });
    } else {
      this.finish({ ok: false, kind: 'unhandled', error: msg.error as FcFunctionErrorBody, durationMs, maxRssBytes: this.maxRssBytes, logs: pending.logs });
    }
  }

  private onExit(): void {
    if (this.dead) return;
    this.dead = true;
    this.retired = true;
    const pending = this.current;
    if (pending) {
      const durationMs = Date.now() - pending.started;
      // FC's wording for a process that dies mid-request (error-handling-nodejs, "异常退出").
      this.finish({
        ok: false,
        kind: 'crash',
        error: { errorMessage: `Process exited unexpectedly before completing request (duration: ${durationMs}ms, maxMemoryUsage: ${mb(this.maxRssBytes)}MB)` },
        durationMs,
        maxRssBytes: this.maxRssBytes,
        logs: pending.logs,
      });
    }
    this.onDeath(this);
  }

  private finish(outcome: InvokeOutcome): void {
    const pending = this.current;
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    this.current = undefined;
    pending.resolve(outcome);
  }

  /** Runs one request; the caller guarantees the instance is not busy with another. */
  run(event: Buffer, context: RuntimeContext, timeoutMs: number): Promise<InvokeOutcome> {
    return new Promise((resolve) => {
      const pending: Pending = { id: String(++this.seq), requestId: context.requestId, started: Date.now(), logs: [], resolve };
      this.current = pending;
      pending.timer = setTimeout(() => {
        const durationMs = Date.now() - pending.started;
        // FC stops a timed-out instance; the next request gets a fresh one.
        this.finish({
          ok: false,
          kind: 'timeout',
          error: { errorMessage: `Function timed out after ${Math.round(timeoutMs / 100) / 10} seconds (maxMemoryUsage: ${mb(this.maxRssBytes)}MB)` },
          durationMs,
          maxRssBytes: this.maxRssBytes,
          logs: pending.logs,
        });
        this.kill();
      }, timeoutMs);
      this.child.send({ type: 'invoke', id: pending.id, event, context });
    });
  }

  kill(): void {
    this.retired = true;
    if (!this.dead) this.child.kill('SIGKILL');
  }
}

/** The instances of one function. */
export class InstancePool {
  private readonly instances = new Set<Instance>();
  private readonly waiters: Array<(instance: Instance | undefined) => void> = [];
  private coldStarts = 0;
  private peakRssBytes = 0;
  private peakInstances = 0;
  private activeMs = 0;
  private closed = false;

  constructor(private readonly config: PoolConfig) {}

  /** Runs the handler once with `event`; never rejects: failures are outcomes. */
  async invoke(event: Buffer, context: RuntimeContext): Promise<InvokeOutcome> {
    const started = Date.now();
    const instance = await this.acquire();
    if (!instance) {
      return { ok: false, kind: 'crash', error: { errorMessage: 'FC host closed before the request ran' }, durationMs: 0, maxRssBytes: 0, logs: [] };
    }
    const initError = await instance.ready;
    if (initError) {
      instance.kill();
      this.release(instance);
      return { ok: false, kind: 'init', error: initError, durationMs: Date.now() - started, maxRssBytes: instance.maxRssBytes, logs: [] };
    }
    const outcome = await instance.run(event, context, this.config.timeoutMs);
    this.activeMs += outcome.durationMs;
    this.peakRssBytes = Math.max(this.peakRssBytes, outcome.maxRssBytes);
    this.release(instance);
    return outcome;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const i of this.instances) if (i.busy) busy++;
    return {
      instances: this.instances.size,
      busy,
      waiting: this.waiters.length,
      coldStarts: this.coldStarts,
      peakRssBytes: this.peakRssBytes,
      peakInstances: this.peakInstances,
      activeMs: this.activeMs,
    };
  }

  /** Stops every instance; waiting requests are never served. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    const exits = [...this.instances].map((i) => (i.dead ? Promise.resolve() : new Promise<void>((resolve) => i.child.once('exit', () => resolve()))));
    for (const i of this.instances) i.kill();
    await Promise.all(exits);
  }

  private acquire(): Promise<Instance | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    for (const instance of this.instances) {
      if (!instance.busy && !instance.retired) {
        instance.busy = true;
        return Promise.resolve(instance);
      }
    }
    if (this.instances.size < this.config.maxInstances) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private spawn(): Instance {
    this.coldStarts++;
    const instance = new Instance(this.config, (dead) => this.onDeath(dead));
    instance.busy = true;
    this.instances.add(instance);
    this.peakInstances = Math.max(this.peakInstances, this.instances.size);
    return instance;
  }

  private release(instance: Instance): void {
    if (instance.retired) return; // its exit (onDeath) hands the slot on
    const next = this.waiters.shift();
    if (next) next(instance);
    else instance.busy = false;
  }

  private onDeath(instance: Instance): void {
    this.instances.delete(instance);
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) next(this.spawn());
  }
}
