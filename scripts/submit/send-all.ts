/**
 * Sends job bodies with at most `concurrency` in flight, retrying transient failures a
 * couple of times with growing delays, and stopping early after a fatal one (a wrong key or
 * a missing queue would fail every other job the same way).
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import type { FailureKind, Sender } from './senders';

export interface Outgoing {
  line: number;
  jobId: string | undefined;
  body: string;
}

export type SendResult =
  | { item: Outgoing; status: 'sent'; id: string | undefined; attempts: number }
  | { item: Outgoing; status: 'failed'; reason: string; kind: FailureKind; attempts: number }
  | { item: Outgoing; status: 'skipped'; reason: string };

export interface SendAllOptions {
  concurrency: number;
  /** Attempts per job in all (default 3: the first and two retries). */
  attempts?: number;
  /** Delay before the first retry, doubling after (default 250 ms). */
  retryDelayMs?: number;
  /** Called after each job is settled. */
  onSettled?: (result: SendResult) => void;
  sleep?: (ms: number) => Promise<void>;
}


/** A failure's message without secrets: the SDKs put only URLs, codes and request ids in theirs. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, ' ').trim();
  return String(error);
}

/**
 * Sends every item; resolves with one result per item, in the items' order.
 *
 * @example
 * const results = await sendAll(items, createSender(destination), { concurrency: 8 });
 */
export async function sendAll(items: Outgoing[], sender: Sender, options: SendAllOptions): Promise<SendResult[]> {
  const attempts = options.attempts ?? 3;
  const baseDelay = options.retryDelayMs ?? 250;
  const sleep = options.sleep ?? realSleep;
  const results: SendResult[] = new Array(items.length);
  let next = 0;
  let fatal: string | undefined;

  const settle = (index: number, result: SendResult) => {
    results[index] = result;
    options.onSettled?.(result);
  };

  async function sendOne(item: Outgoing): Promise<SendResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await sender.send(item.body);
        return { item, status: 'sent', id, attempts: attempt };
      } catch (error) {
        const kind = sender.classify(error);
        if (kind !== 'transient' || attempt >= attempts || fatal !== undefined) {
          return { item, status: 'failed', reason: describe(error), kind, attempts: attempt };
        }
        // Equal jitter, so many workers retrying at once spread out.
        const ceiling = baseDelay * 2 ** (attempt - 1);
        await sleep(ceiling / 2 + (ceiling / 2) * Math.random());
      }
    }
  }

  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      if (fatal !== undefined) {
        settle(index, { item, status: 'skipped', reason: `not sent: stopped after ${fatal}` });
        continue;
      }
      const result = await sendOne(item);
      if (result.status === 'failed' && result.kind === 'fatal' && fatal === undefined) fatal = `line ${item.line}: ${result.reason}`;
      settle(index, result);
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return results;
}
