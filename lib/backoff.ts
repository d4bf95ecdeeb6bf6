/**
 * Waiting between attempts, for every retry loop the functions run (the store's calls,
 * the uploader's uploads): exponential back-off with "equal jitter", half of each delay
 * fixed and half random, so the retries of a batch or of many instances spread out.
 */

/**
 * Delay before attempt `attempt + 1`: between half and all of
 * min(capMs, baseMs · 2^(attempt−1)).
 *
 * @example backoffDelay(500, 8000, 2, () => 1) // => 1000
 */
export function backoffDelay(baseMs: number, capMs: number, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
