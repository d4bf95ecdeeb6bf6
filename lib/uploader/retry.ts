/**
 * Retrying transient failures with exponential back-off and jitter (lib/backoff.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../backoff';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Waits `ms`; injectable so tests need not. */
export type Sleep = (ms: number) => Promise<void>;

/**
 * Delay before attempt `attempt + 1` under `policy` (lib/backoff.ts).
 *
 * @example retryDelay({ attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 }, 2) // => 500 to 1000
 */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return backoffDelay(policy.baseDelayMs, policy.maxDelayMs, attempt);
}

/**
 * Runs `work` until it succeeds, it fails with an error `isTransient` rejects, or the
 * attempts run out; rethrows the last error. `work` gets the attempt number (from 1).
 *
 * @example
 * await withRetries(() => client.head(key), policy, isTransientOssError);
 */
export async function withRetries<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isTransient: (error: unknown) => boolean,
  wait: Sleep = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      await wait(retryDelay(policy, attempt));
    }
  }
}
