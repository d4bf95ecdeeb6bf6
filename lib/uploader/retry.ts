/**
 * Retrying transient failures with exponential back-off and jitter.
 */

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

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delay before attempt `attempt + 1`: between half and all of
 * min(max, base · 2^(attempt−1)) ("equal jitter", so retries of a batch spread out).
 *
 * @example backoffDelay({ attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 }, 2, () => 1) // => 1000
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
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
  sleep: Sleep = realSleep,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
