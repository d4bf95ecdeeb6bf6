/**
 * Fault injection shared by the local emulators: "make the next N requests of an
 * operation fail (or be slow, or lose their connection)". Off unless a test asks.
 *
 * An emulator calls `faults.apply(operation, socket)` (or `take`) once per request, after
 * it has worked out which operation the request is and before doing any work.
 *
 * @example
 * const faults = new FaultInjector();
 * faults.inject({ operation: 'PutObject', count: 2, status: 503, code: 'ServiceUnavailable' });
 * faults.take('PutObject'); // => { kind: 'fail', status: 503, code: 'ServiceUnavailable', ... }
 */

import { setTimeout as sleep } from 'node:timers/promises';

/** One rule as a test states it. */
export interface FaultRule {
  /** Operation name as the emulator names it (`PutObject`, `PutRow`, …), or `*` for any. */
  operation: string;
  /** How many matching requests the rule applies to (default 1). */
  count?: number;
  /** Answer with this HTTP status and error code instead of doing the work. */
  status?: number;
  code?: string;
  message?: string;
  /** Wait this long before handling the request (alone, or before failing it). */
  delayMs?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
}

/** A request to fail: answer with this status, code and message in the service's own error format. */
export type FaultFailure = { kind: 'fail'; status: number; code: string; message: string; delayMs: number };

/** What the emulator must do with the current request. */
export type FaultAction = { kind: 'none' } | { kind: 'delay'; delayMs: number } | FaultFailure | { kind: 'drop'; delayMs: number };

interface ActiveRule extends FaultRule {
  remaining: number;
}

/** Error thrown when a fault rule is not something an emulator can act on. */
export class FaultRuleError extends Error {
  readonly reason = 'invalid_fault_rule';
}

/** A list of pending fault rules, consumed first-in first-out per operation. */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  /** Adds a rule; throws FaultRuleError when it names nothing to do. */
  inject(rule: FaultRule): void {
    if (typeof rule.operation !== 'string' || rule.operation === '') {
      throw new FaultRuleError('fault rule needs an operation name (or "*")');
    }
    const count = rule.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new FaultRuleError(`fault rule count must be a positive integer, got ${String(rule.count)}`);
    const fails = rule.status !== undefined || rule.code !== undefined;
    if (!fails && !rule.drop && !(rule.delayMs && rule.delayMs > 0)) {
      throw new FaultRuleError('fault rule must set status/code, drop, or delayMs');
    }
    if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
      throw new FaultRuleError(`fault rule status must be an HTTP status, got ${String(rule.status)}`);
    }
    this.rules.push({ ...rule, remaining: count });
  }

  /** Removes every pending rule. */
  clear(): void {
    this.rules = [];
  }

  /** Pending rules, for a control endpoint to show. */
  pending(): FaultRule[] {
    return this.rules.map(({ remaining, ...rule }) => ({ ...rule, count: remaining }));
  }

  /** Consumes one use of the first rule matching `operation` and says what to do. */
  take(operation: string): FaultAction {
    const index = this.rules.findIndex((r) => r.operation === operation || r.operation === '*');
    if (index < 0) return { kind: 'none' };
    const rule = this.rules[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    const delayMs = rule.delayMs ?? 0;
    if (rule.drop) return { kind: 'drop', delayMs };
    if (rule.status !== undefined || rule.code !== undefined) {
      return {
        kind: 'fail',
        status: rule.status ?? 500,
        code: rule.code ?? 'InternalError',
        message: rule.message ?? `injected fault for ${operation}`,
        delayMs,
      };
    }
    return { kind: 'delay', delayMs };
  }

  /**
   * Consumes the fault for `operation` and does the part every emulator does alike: waits
   * its delay, and for a drop destroys `socket` (answering 'dropped': send nothing). A
   * failure is returned for the emulator to answer in its service's error format.
   *
   * @example
   * const fault = await faults.apply('PutObject', req.socket);
   * if (fault === 'dropped') return;
   * if (fault) throw new OssError(fault.status, fault.code, fault.message);
   */
  async apply(operation: string, socket: { destroy(): void }): Promise<FaultFailure | 'dropped' | undefined> {
    const fault = this.take(operation);
    if (fault.kind === 'none') return undefined;
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.kind === 'drop') {
      socket.destroy();
      return 'dropped';
    }
    return fault.kind === 'fail' ? fault : undefined;
  }
}
