import type { FcFunctionErrorBody } from './errors';
import type { InvokeOutcome } from './instances';
import { plural } from '../../lib/plural';

/**
 * FC's asynchronous invocation, locally: an accepted event is run in the background and,
 * when the function fails (error, timeout, crash), run again up to `retries` more times
 * with exponential backoff; the last outcome is recorded. FC allows 0–8 retries per
 * function (async invocation config, MaxAsyncRetryAttempts) and backs off between them;
 * the local base delay is short and configurable so tests stay fast.
 */

/** The recorded end of one async invocation. */
export interface AsyncOutcome {
  requestId: string;
  fn: string;
  status: 'succeeded' | 'failed';
  attempts: number;
  /** The last failure, when status is failed. */
  error?: FcFunctionErrorBody;
  finishedAt: number;
}

/** Counters and the most recent outcomes (newest last). */
export interface AsyncStats {
  /** Accepted and not yet finished (running or waiting for a retry). */
  pending: number;
  succeeded: number;
  failed: number;
  outcomes: AsyncOutcome[];
}

export interface AsyncQueueOptions {
  run: (fn: string, event: Buffer, requestId: string, attempt: number) => Promise<InvokeOutcome>;
  /** Delay before the first retry; doubled for each further one, capped at 30 s. */
  backoffMs: number;
  log: (line: string) => void;
  /** How many outcomes stats() keeps (oldest dropped first). */
  keepOutcomes?: number;
}

export class AsyncQueue {
  private pending = 0;
  private succeeded = 0;
  private failed = 0;
  private readonly outcomes: AsyncOutcome[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: AsyncQueueOptions) {}

  /** Accepts an event; it starts running on the next tick. */
  enqueue(fn: string, event: Buffer, requestId: string, retries: number): void {
    this.pending++;
    setImmediate(() => void this.attempt(fn, event, requestId, retries, 1));
  }

  /** Resolves once nothing is running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): AsyncStats {
    return { pending: this.pending, succeeded: this.succeeded, failed: this.failed, outcomes: [...this.outcomes] };
  }

  /** Drops retries not yet started; running attempts end with their instances. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending = 0;
    this.wakeIdle();
  }

  private async attempt(fn: string, event: Buffer, requestId: string, retries: number, attempt: number): Promise<void> {
    if (this.closed) return;
    const outcome = await this.options.run(fn, event, requestId, attempt);
    if (this.closed) return;
    if (outcome.ok) {
      this.record({ requestId, fn, status: 'succeeded', attempts: attempt, finishedAt: Date.now() });
      return;
    }
    if (attempt <= retries) {
      const delay = Math.min(this.options.backoffMs * 2 ** (attempt - 1), 30_000);
      this.options.log(`fc-host async ${fn} ${requestId} attempt ${attempt} failed (${outcome.kind}: ${outcome.error.errorMessage}); retrying in ${delay} ms`);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.attempt(fn, event, requestId, retries, attempt + 1);
      }, delay);
      this.timers.add(timer);
      return;
    }
    this.options.log(`fc-host async ${fn} ${requestId} failed after ${plural(attempt, 'attempt')}: ${outcome.error.errorMessage}`);
    this.record({ requestId, fn, status: 'failed', attempts: attempt, error: outcome.error, finishedAt: Date.now() });
  }

  private record(outcome: AsyncOutcome): void {
    if (outcome.status === 'succeeded') this.succeeded++;
    else this.failed++;
    this.outcomes.push(outcome);
    const keep = this.options.keepOutcomes ?? 1000;
    if (this.outcomes.length > keep) this.outcomes.splice(0, this.outcomes.length - keep);
    this.pending--;
    if (this.pending === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
