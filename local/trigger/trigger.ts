/**
 * A local stand-in for the EventBridge MNS trigger in `event-streaming` mode: it consumes
 * a queue with the real `@alicloud/mns` client (so the queue sees an ordinary consumer),
 * gathers messages into batches (size or window, whichever comes first), invokes with an
 * array of CloudEvents, deletes the messages of a successful invocation, and leaves a
 * failed batch in the queue to reappear after its visibility timeout. A message that has
 * failed `maxDeliveries` times is moved to the dead-letter queue (sent there, then deleted
 * here), or discarded when there is none — EventBridge drops events whose retries are
 * exhausted unless a dead-letter queue is set
 * (https://alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-struct-runoptions).
 *
 * Retries here come from MNS redelivery (DequeueCount), not from EventBridge's own push
 * retry policy; the observable result — the whole batch retried, at-least-once — is the
 * same, which is what the uploader must cope with.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import MNSClient from '@alicloud/mns';
import { toMnsCloudEvent, type EventSourceInfo } from './cloud-event';
import { resolveTriggerOptions, type MnsTriggerOptions, type ResolvedTriggerOptions, type TriggerEvent } from './options';

/** Counters of a running trigger. */
export interface MnsTriggerStats {
  /** Messages received from the queue (a redelivery counts again). */
  received: number;
  invocations: number;
  succeededInvocations: number;
  failedInvocations: number;
  /** Messages deleted after a successful invocation. */
  succeededMessages: number;
  deadLettered: number;
  discarded: number;
  /** Invocations running now. */
  inflight: number;
  /** Receive, visibility, delete and dead-letter calls that failed. */
  errors: number;
}

/** A running trigger. */
export interface MnsTrigger {
  /** Stops receiving and waits for running invocations (and their deletes) to finish. Messages gathered but not yet delivered reappear after their visibility timeout. */
  stop(): Promise<void>;
  stats(): MnsTriggerStats;
}

/** Most messages one BatchReceiveMessage / BatchDeleteMessage call takes. */
const MNS_BATCH = 16;
/** Long-poll length while idle: also how long stop() may wait for the receive in progress. */
const IDLE_POLL_SECONDS = 1;
/** Pause after a failed receive, so a broken queue is not hammered. */
const RECEIVE_ERROR_PAUSE_MS = 250;
/** Pause between short polls while a sub-second window is open. */
const WINDOW_POLL_PAUSE_MS = 50;

/** The SDK writes message bodies into XML as they are; a body read back must be escaped to be sent again. */
function escapeForSdk(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function isMessageNotExist(error: unknown): boolean {
  return error instanceof Error && error.name === 'MNSMessageNotExistError';
}

class Trigger implements MnsTrigger {
  private readonly client: MNSClient;
  private readonly source: EventSourceInfo;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private readonly loop: Promise<void>;
  private readonly counters: Omit<MnsTriggerStats, 'inflight'> = {
    received: 0,
    invocations: 0,
    succeededInvocations: 0,
    failedInvocations: 0,
    succeededMessages: 0,
    deadLettered: 0,
    discarded: 0,
    errors: 0,
  };

  constructor(private readonly options: ResolvedTriggerOptions) {
    const { mns } = options;
    this.client = new MNSClient(mns.accountId, { endpoint: mns.endpoint, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
    this.source = {
      region: options.region,
      accountId: mns.accountId,
      queue: options.queue,
      functionName: options.functionName,
      triggerName: options.triggerName,
      base64Decode: options.base64Decode,
    };
    this.loop = this.run();
  }

  stats(): MnsTriggerStats {
    return { ...this.counters, inflight: this.running.size };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.all([...this.running]);
  }

  private emit(event: TriggerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A progress callback must not break delivery.
    }
  }

  private fail(stage: 'receive' | 'visibility' | 'delete' | 'dead-letter', error: unknown): void {
    this.counters.errors += 1;
    this.emit({ type: 'error', stage, error });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
      const batch = await this.gather();
      if (batch.length === 0 || this.stopping) continue;
      const invocation = this.deliver(batch).finally(() => this.running.delete(invocation));
      this.running.add(invocation);
    }
  }

  /**
   * Gathers one batch: waits for a first message, then keeps receiving until the batch is
   * full or `batchWindowMs` has passed since that first message.
   */
  private async gather(): Promise<MNSClient.ReceivedMessage[]> {
    const { batchSize, batchWindowMs } = this.options;
    const batch: MNSClient.ReceivedMessage[] = [];
    let windowEnd: number | undefined;
    while (!this.stopping && batch.length < batchSize) {
      const remaining = windowEnd === undefined ? Infinity : windowEnd - Date.now();
      if (remaining <= 0) break;
      // Long-poll only for whole seconds that fit in the window; the SDK drops waitseconds=0.
      const waitSeconds = remaining >= 1000 ? Math.min(IDLE_POLL_SECONDS, Math.floor(remaining / 1000)) : 0;
      const received = await this.receive(Math.min(MNS_BATCH, batchSize - batch.length), waitSeconds);
      for (const message of received) {
        const kept = await this.admit(message);
        if (kept) batch.push(kept);
      }
      if (batch.length > 0 && windowEnd === undefined) {
        windowEnd = Date.now() + batchWindowMs;
        if (batchWindowMs === 0) break;
      }
      if (received.length === 0 && windowEnd !== undefined && waitSeconds === 0) {
        await sleep(Math.min(WINDOW_POLL_PAUSE_MS, Math.max(0, windowEnd - Date.now())));
      }
    }
    return batch;
  }

  private async receive(count: number, waitSeconds: number): Promise<MNSClient.ReceivedMessage[]> {
    try {
      const { body } = await this.client.batchReceiveMessage(this.options.queue, count, waitSeconds || undefined);
      this.counters.received += body.length;
      return body;
    } catch (error) {
      if (isMessageNotExist(error)) return [];
      this.fail('receive', error);
      await sleep(RECEIVE_ERROR_PAUSE_MS);
      return [];
    }
  }

  /**
   * Takes a received message into the batch: moves it out instead when it already failed
   * `maxDeliveries` times (the trigger stopped before it could), and sets the trigger's
   * visibility timeout when one is configured.
   */
  private async admit(message: MNSClient.ReceivedMessage): Promise<MNSClient.ReceivedMessage | undefined> {
    const { maxDeliveries, visibilityTimeoutSec, queue } = this.options;
    if (maxDeliveries !== undefined && Number(message.DequeueCount) > maxDeliveries) {
      await this.retire(message);
      return undefined;
    }
    if (visibilityTimeoutSec === undefined) return message;
    try {
      const { body } = await this.client.changeMessageVisibility(queue, message.ReceiptHandle, visibilityTimeoutSec);
      return { ...message, ReceiptHandle: body.ReceiptHandle, NextVisibleTime: body.NextVisibleTime };
    } catch (error) {
      // The handle expired already: the message is back in the queue for another delivery.
      this.fail('visibility', error);
      return undefined;
    }
  }

  private async deliver(batch: MNSClient.ReceivedMessage[]): Promise<void> {
    const messageIds = batch.map((m) => m.MessageId);
    const publishedAt = new Date();
    const events = batch.map((m) => toMnsCloudEvent(m, this.source, publishedAt));
    this.counters.invocations += 1;
    this.emit({ type: 'delivered', messageIds });
    try {
      await this.options.invoke(events);
    } catch (error) {
      this.counters.failedInvocations += 1;
      this.emit({ type: 'failed', messageIds, error });
      const { maxDeliveries } = this.options;
      if (maxDeliveries !== undefined) {
        for (const message of batch) if (Number(message.DequeueCount) >= maxDeliveries) await this.retire(message);
      }
      return;
    }
    this.counters.succeededInvocations += 1;
    await this.deleteAll(batch);
    this.emit({ type: 'succeeded', messageIds });
  }

  private async deleteAll(batch: MNSClient.ReceivedMessage[]): Promise<void> {
    for (let i = 0; i < batch.length; i += MNS_BATCH) {
      const chunk = batch.slice(i, i + MNS_BATCH);
      try {
        const { body } = await this.client.batchDeleteMessage(this.options.queue, chunk.map((m) => m.ReceiptHandle));
        const failed = body?.length ?? 0;
        this.counters.succeededMessages += chunk.length - failed;
        // A handle that expired during a long invocation: the message will be delivered again.
        for (const error of body ?? []) this.fail('delete', new Error(`${error.ErrorCode}: ${error.ErrorMessage}`));
      } catch (error) {
        this.fail('delete', error);
      }
    }
  }

  /** Moves a message out of the queue for good: to the dead-letter queue, or discarded without one. */
  private async retire(message: MNSClient.ReceivedMessage): Promise<void> {
    const { deadLetterQueue, queue } = this.options;
    const dequeueCount = Number(message.DequeueCount);
    try {
      if (deadLetterQueue !== undefined) {
        await this.client.sendMessage(deadLetterQueue, { MessageBody: escapeForSdk(message.MessageBody) });
      }
      await this.client.deleteMessage(queue, message.ReceiptHandle);
    } catch (error) {
      this.fail('dead-letter', error);
      return;
    }
    if (deadLetterQueue !== undefined) {
      this.counters.deadLettered += 1;
      this.emit({ type: 'dead-lettered', messageId: message.MessageId, dequeueCount, deadLetterQueue });
    } else {
      this.counters.discarded += 1;
      this.emit({ type: 'discarded', messageId: message.MessageId, dequeueCount });
    }
  }
}

/**
 * Starts consuming `options.queue` and invoking `options.invoke` with batches of
 * CloudEvents. Throws TriggerConfigError for bad options.
 *
 * @example
 * const trigger = startMnsTrigger({
 *   mns: { endpoint: mns.url, accountId: mns.accountId, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret },
 *   queue: 'upload-jobs', deadLetterQueue: 'upload-jobs-dlq', batchSize: 10, batchWindowMs: 1000, maxDeliveries: 3,
 *   invoke: (events) => invokeUploader(events),
 * });
 * // …
 * await trigger.stop();
 */
export function startMnsTrigger(options: MnsTriggerOptions): MnsTrigger {
  return new Trigger(resolveTriggerOptions(options));
}
