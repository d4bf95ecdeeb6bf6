/**
 * One MNS queue in memory: its attributes and its messages, each Delayed, Active or
 * Inactive (https://www.alibabacloud.com/help/doc-detail/27477.html, QueueMessage).
 *
 * A message's state follows from time: it is Delayed or Inactive until `visibleAt`
 * (Inactive when it has been received, so it holds a receipt handle), Active after. A
 * receipt handle is valid only while its message is Inactive under that handle: once the
 * visibility timeout passes the message is Active again and the handle expires — MNS then
 * answers `MessageNotExist` (https://www.alibabacloud.com/help/doc-detail/35138.htm and
 * https://alibabacloud.com/help/en/mns/message-not-exist-appears-when-you-delete-a-message-in-mns).
 */
import { createHash, randomBytes } from 'node:crypto';
import { messageNotExist, receiptHandleError } from './errors';

/** Queue attributes with MNS's defaults (CreateQueue, https://www.alibabacloud.com/help/doc-detail/35129.html). */
export interface QueueAttributes {
  DelaySeconds: number;
  MaximumMessageSize: number;
  MessageRetentionPeriod: number;
  VisibilityTimeout: number;
  PollingWaitSeconds: number;
  LoggingEnabled: boolean;
}

export const DEFAULT_QUEUE_ATTRIBUTES: QueueAttributes = {
  DelaySeconds: 0,
  MaximumMessageSize: 65536,
  MessageRetentionPeriod: 345600,
  VisibilityTimeout: 30,
  PollingWaitSeconds: 0,
  LoggingEnabled: false,
};

/** Valid ranges of the numeric attributes, as CreateQueue documents them. */
export const ATTRIBUTE_RANGES: Record<Exclude<keyof QueueAttributes, 'LoggingEnabled'>, [number, number, 'seconds' | 'bytes']> = {
  DelaySeconds: [0, 604800, 'seconds'],
  MaximumMessageSize: [1024, 65536, 'bytes'],
  MessageRetentionPeriod: [60, 604800, 'seconds'],
  VisibilityTimeout: [1, 43200, 'seconds'],
  PollingWaitSeconds: [0, 30, 'seconds'],
};

/** Priority range and default of a message (SendMessage: 1 is the highest, 16 the lowest). */
export const PRIORITY_RANGE: [number, number] = [1, 16];
export const DEFAULT_PRIORITY = 8;

interface StoredMessage {
  seq: number;
  id: string;
  body: string;
  bodyMd5: string;
  priority: number;
  enqueueTime: number;
  firstDequeueTime: number;
  dequeueCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

/** A message as ReceiveMessage / PeekMessage return it. */
export interface MessageView {
  MessageId: string;
  ReceiptHandle?: string;
  MessageBodyMD5: string;
  MessageBody: string;
  EnqueueTime: number;
  NextVisibleTime?: number;
  FirstDequeueTime: number;
  DequeueCount: number;
  Priority: number;
}

/** Counts of messages by state. */
export interface QueueCounts {
  visible: number;
  inflight: number;
  delayed: number;
}

/** MNS shows MD5s as upper-case hex (e.g. `C5DD56A39F5F7BB8B3337C6D11B6D8C7` in its samples). */
export function bodyMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex').toUpperCase();
}

function messageId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** In-memory state of one queue. */
export class MnsQueue {
  readonly createTime: number;
  lastModifyTime: number;
  private attributes: QueueAttributes;
  private readonly messages = new Map<number, StoredMessage>();
  private nextSeq = 1;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(
    readonly name: string,
    attributes: QueueAttributes,
    now: number,
  ) {
    this.attributes = { ...attributes };
    this.createTime = now;
    this.lastModifyTime = now;
  }

  get attrs(): Readonly<QueueAttributes> {
    return this.attributes;
  }

  /** True when every attribute equals `other` (CreateQueue on an existing name answers 204 then). */
  sameAttributes(other: QueueAttributes): boolean {
    return (Object.keys(this.attributes) as (keyof QueueAttributes)[]).every((k) => this.attributes[k] === other[k]);
  }

  /** Replaces the attributes (SetQueueAttributes). */
  setAttributes(next: QueueAttributes, now: number): void {
    this.attributes = { ...next };
    this.lastModifyTime = now;
    this.notify();
  }

  /** Adds a message; `delaySeconds` undefined means the queue's DelaySeconds. */
  send(body: string, now: number, delaySeconds?: number, priority = DEFAULT_PRIORITY): { MessageId: string; MessageBodyMD5: string } {
    const delay = delaySeconds ?? this.attributes.DelaySeconds;
    const message: StoredMessage = {
      seq: this.nextSeq++,
      id: messageId(),
      body,
      bodyMd5: bodyMd5(body),
      priority,
      enqueueTime: now,
      firstDequeueTime: 0,
      dequeueCount: 0,
      visibleAt: now + delay * 1000,
    };
    this.messages.set(message.seq, message);
    this.notify();
    return { MessageId: message.id, MessageBodyMD5: message.bodyMd5 };
  }

  /**
   * Takes up to `max` Active messages, highest priority first then oldest first, makes
   * them Inactive for the visibility timeout and gives each a fresh receipt handle.
   */
  receive(max: number, now: number): MessageView[] {
    const taken = this.active(now).slice(0, max);
    for (const m of taken) {
      m.dequeueCount += 1;
      if (m.firstDequeueTime === 0) m.firstDequeueTime = now;
      m.visibleAt = now + this.attributes.VisibilityTimeout * 1000;
      m.receiptHandle = this.newReceiptHandle(m, now);
    }
    return taken.map((m) => this.view(m, true));
  }

  /** Active messages without changing them (PeekMessage). */
  peek(max: number, now: number): MessageView[] {
    return this.active(now)
      .slice(0, max)
      .map((m) => this.view(m, false));
  }

  /** Deletes the message a receipt handle was issued for; throws MNS's error when it cannot. */
  delete(receiptHandle: string, now: number): void {
    const message = this.holder(receiptHandle, now);
    this.messages.delete(message.seq);
  }

  /** Sets a new visibility timeout from now; the old handle expires, a new one is returned. */
  changeVisibility(receiptHandle: string, visibilityTimeout: number, now: number): { ReceiptHandle: string; NextVisibleTime: number } {
    const message = this.holder(receiptHandle, now);
    message.visibleAt = now + visibilityTimeout * 1000;
    message.receiptHandle = this.newReceiptHandle(message, now);
    this.notify();
    return { ReceiptHandle: message.receiptHandle, NextVisibleTime: message.visibleAt };
  }

  /** Message counts by state. */
  counts(now: number): QueueCounts {
    this.expire(now);
    const counts: QueueCounts = { visible: 0, inflight: 0, delayed: 0 };
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) counts.visible += 1;
      else if (m.receiptHandle !== undefined) counts.inflight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  /** When the next Delayed or Inactive message becomes Active, if any. */
  nextActivation(now: number): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) {
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    }
    return next;
  }

  /**
   * Resolves when something may have changed (a send, a visibility change, the queue
   * being deleted), after `timeoutMs`, or when `signal` aborts — whichever comes first.
   */
  waitForChange(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.listeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** True once the queue was deleted: waiting receivers give up. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Marks the queue deleted and wakes every waiting receiver. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private active(now: number): StoredMessage[] {
    this.expire(now);
    return [...this.messages.values()].filter((m) => m.visibleAt <= now).sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  /** Drops messages older than the retention period, received or not. */
  private expire(now: number): void {
    const limit = now - this.attributes.MessageRetentionPeriod * 1000;
    for (const [seq, m] of this.messages) if (m.enqueueTime <= limit) this.messages.delete(seq);
  }

  /**
   * Handles look like MNS's (`1-` then Base64, e.g. `1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==`);
   * ours encode the message's sequence number so a handle finds its message.
   */
  private newReceiptHandle(m: StoredMessage, now: number): string {
    const payload = `${m.seq}-${now}-${m.dequeueCount}-${randomBytes(4).toString('hex')}`;
    return `1-${Buffer.from(payload, 'utf8').toString('base64')}`;
  }

  /** The Inactive message holding `handle`: ReceiptHandleError if it is not one of ours, MessageNotExist if expired. */
  private holder(handle: string, now: number): StoredMessage {
    const match = /^1-([A-Za-z0-9+/]+={0,2})$/.exec(handle);
    const payload = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const parts = /^(\d+)-\d+-\d+-[0-9a-f]{8}$/.exec(payload);
    if (!parts) throw receiptHandleError();
    this.expire(now);
    const message = this.messages.get(Number(parts[1]));
    if (!message || message.receiptHandle !== handle || message.visibleAt <= now) throw messageNotExist();
    return message;
  }

  private view(m: StoredMessage, received: boolean): MessageView {
    return {
      MessageId: m.id,
      ReceiptHandle: received ? m.receiptHandle : undefined,
      MessageBodyMD5: m.bodyMd5,
      MessageBody: m.body,
      EnqueueTime: m.enqueueTime,
      NextVisibleTime: received ? m.visibleAt : undefined,
      FirstDequeueTime: m.firstDequeueTime,
      DequeueCount: m.dequeueCount,
      Priority: m.priority,
    };
  }
}
