/**
 * How long an uploader invocation holds the jobs it claims: until FC ends it at the
 * latest, i.e. its start plus the function's timeout (`context.function.timeout`, in
 * seconds: https://www.alibabacloud.com/help/en/functioncompute/context). FC stops an
 * invocation at its timeout, so after that a lease it still holds belongs to nobody and
 * another delivery may take the job over.
 */
import { randomUUID } from 'node:crypto';
import type { FcContext } from '../fc/context';
import type { Lease } from '../store/lease';

/** Used when the context carries no usable timeout: s.yaml's uploader timeout. */
export const DEFAULT_TIMEOUT_SECONDS = 600;
/**
 * Added to the end: the lease is compared against other instances' clocks, which may run
 * a little apart (the instances' clocks are NTP-synchronised; a second or two covers it).
 */
export const CLOCK_SKEW_MS = 2000;

/**
 * The lease of the invocation that started at `startedAt`.
 *
 * @example invocationLease({ requestId: 'req-1', function: { timeout: 600 } }, Date.now()) // => { owner: 'req-1', until: now + 602_000 }
 */
export function invocationLease(context: { requestId?: string; function?: Partial<FcContext['function']> }, startedAt: number): Lease {
  const timeout = context.function?.timeout;
  const seconds = typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS;
  return { owner: context.requestId || randomUUID(), until: startedAt + Math.ceil(seconds * 1000) + CLOCK_SKEW_MS };
}
