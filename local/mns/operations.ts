/**
 * The queue operations of the MNS API on an account's queues: what each request means
 * and the status and document it is answered with. HTTP details (auth, routing, bodies)
 * are in server.ts. Per-operation behaviour follows MNS's API reference:
 * CreateQueue https://www.alibabacloud.com/help/doc-detail/35129.html,
 * DeleteQueue https://alibabacloud.com/help/en/mns/deletequeue,
 * SendMessage / BatchSendMessage (≤ 16 messages, ≤ 64 KB in all:
 * https://www.alibabacloud.com/help/doc-detail/175586.htm),
 * ReceiveMessage https://www.alibabacloud.com/help/doc-detail/35136.html,
 * DeleteMessage https://www.alibabacloud.com/help/doc-detail/35138.htm,
 * BatchDeleteMessage https://alibabacloud.com/help/doc-detail/35139.htm.
 */
import {
  MnsError,
  malformedXml,
  messageNotExist,
  missingReceiptHandle,
  missingVisibilityTimeout,
  outOfRange,
  queueAlreadyExist,
  queueNameLengthError,
  queueNotExist,
  invalidQueueName,
  schemaMismatch,
} from './errors';
import {
  ATTRIBUTE_RANGES,
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE_ATTRIBUTES,
  MnsQueue,
  PRIORITY_RANGE,
  type MessageView,
  type QueueAttributes,
} from './queue';
import type { XmlNode } from '../xml';
import { localName, mnsDocument, parseXml, XmlSyntaxError, type XmlElement } from './xml';

/** What an operation answers: a status, maybe a document, maybe extra headers. */
export interface OperationResult {
  status: number;
  xml?: string;
  headers?: Record<string, string>;
}

/** Most messages a batch operation takes, and most bytes a batch send carries. */
export const BATCH_LIMIT = 16;
export const BATCH_SEND_BYTES = 65536;

/** Longest long poll, in seconds (ReceiveMessage `waitseconds`: 0–30). */
export const MAX_WAIT_SECONDS = 30;

/** Parses a request body; MalformedXML when it is not well-formed. */
export function parseBody(body: string): XmlElement {
  try {
    return parseXml(body);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw malformedXml();
    throw error;
  }
}

function childText(element: XmlElement, name: string): string | undefined {
  const child = element.children.find((c) => localName(c) === name);
  return child?.text;
}

/** An integer in [low, high] given as text; InvalidArgument otherwise. */
export function integerIn(element: string, text: string | undefined, low: number, high: number, unit: 'seconds' | 'bytes' | 'messages' | ''): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < low || value > high) throw outOfRange(element, low, high, unit);
  return value;
}

/** Validates a queue name: letters, digits and '-', starting with a letter or digit, at most 120 characters. */
export function checkQueueName(name: string): void {
  if (name.length < 1 || name.length > 120) throw queueNameLengthError();
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) throw invalidQueueName();
}

/** Reads the attributes of a `<Queue>` document over `base`. */
function readAttributes(root: XmlElement | undefined, base: QueueAttributes): QueueAttributes {
  const next = { ...base };
  if (!root) return next;
  if (localName(root) !== 'Queue') throw schemaMismatch(localName(root));
  for (const [name, [low, high, unit]] of Object.entries(ATTRIBUTE_RANGES) as [keyof typeof ATTRIBUTE_RANGES, [number, number, 'seconds' | 'bytes']][]) {
    const value = integerIn(name, childText(root, name), low, high, unit);
    if (value !== undefined) next[name] = value;
  }
  const logging = childText(root, 'LoggingEnabled');
  if (logging !== undefined) {
    if (!/^(true|false)$/i.test(logging.trim())) throw schemaMismatch('LoggingEnabled');
    next.LoggingEnabled = logging.trim().toLowerCase() === 'true';
  }
  return next;
}

function messageFields(view: MessageView): XmlNode {
  return { ...view } as unknown as XmlNode;
}

/** A message of a send request, validated against the queue. */
interface OutgoingMessage {
  body: string;
  delaySeconds?: number;
  priority: number;
}

function readMessage(element: XmlElement, queue: MnsQueue): OutgoingMessage {
  const body = childText(element, 'MessageBody');
  if (body === undefined) throw schemaMismatch('MessageBody');
  const max = queue.attrs.MaximumMessageSize;
  const size = Buffer.byteLength(body, 'utf8');
  if (size < 1 || size > max) throw outOfRange('MessageBody', 1, max, 'bytes');
  const delaySeconds = integerIn('DelaySeconds', childText(element, 'DelaySeconds'), ATTRIBUTE_RANGES.DelaySeconds[0], ATTRIBUTE_RANGES.DelaySeconds[1], 'seconds');
  const priority = integerIn('Priority', childText(element, 'Priority'), PRIORITY_RANGE[0], PRIORITY_RANGE[1], '') ?? DEFAULT_PRIORITY;
  return { body, delaySeconds, priority };
}

/** All queues of the emulated account. */
export class MnsAccount {
  private readonly queues = new Map<string, MnsQueue>();

  constructor(private readonly queueUrl: (name: string) => string) {}

  /** The queue called `name`; QueueNotExist otherwise. */
  queue(name: string): MnsQueue {
    const queue = this.queues.get(name);
    if (!queue) throw queueNotExist();
    return queue;
  }

  /** The queue called `name`, if it exists. */
  find(name: string): MnsQueue | undefined {
    return this.queues.get(name);
  }

  /** CreateQueue: 201 with Location; 204 when it exists with the same attributes; 409 otherwise. */
  createQueue(name: string, body: string, now: number): OperationResult {
    checkQueueName(name);
    const attributes = readAttributes(body.trim() ? parseBody(body) : undefined, DEFAULT_QUEUE_ATTRIBUTES);
    const existing = this.queues.get(name);
    if (existing) {
      if (existing.sameAttributes(attributes)) return { status: 204 };
      throw queueAlreadyExist();
    }
    this.queues.set(name, new MnsQueue(name, attributes, now));
    return { status: 201, headers: { Location: this.queueUrl(name) } };
  }

  /** SetQueueAttributes (`PUT /queues/<name>?metaoverride=true`): changes only what the body names. */
  setQueueAttributes(name: string, body: string, now: number): OperationResult {
    const queue = this.queue(name);
    queue.setAttributes(readAttributes(body.trim() ? parseBody(body) : undefined, queue.attrs), now);
    return { status: 204 };
  }

  /** DeleteQueue: 204, also when there was no such queue (the operation has no specific errors). */
  deleteQueue(name: string): OperationResult {
    const queue = this.queues.get(name);
    this.queues.delete(name);
    queue?.close();
    return { status: 204 };
  }

  /** GetQueueAttributes. Times are in seconds, as MNS reports CreateTime/LastModifyTime. */
  getQueueAttributes(name: string, now: number): OperationResult {
    const queue = this.queue(name);
    const counts = queue.counts(now);
    const a = queue.attrs;
    return {
      status: 200,
      xml: mnsDocument('Queue', {
        QueueName: queue.name,
        CreateTime: Math.floor(queue.createTime / 1000),
        LastModifyTime: Math.floor(queue.lastModifyTime / 1000),
        DelaySeconds: a.DelaySeconds,
        MaximumMessageSize: a.MaximumMessageSize,
        MessageRetentionPeriod: a.MessageRetentionPeriod,
        VisibilityTimeout: a.VisibilityTimeout,
        PollingWaitSeconds: a.PollingWaitSeconds,
        ActiveMessages: counts.visible,
        InactiveMessages: counts.inflight,
        DelayMessages: counts.delayed,
        LoggingEnabled: a.LoggingEnabled ? 'True' : 'False',
      }),
    };
  }

  /** ListQueue with the `x-mns-prefix`, `x-mns-ret-number` (1–1000) and `x-mns-marker` headers. */
  listQueues(prefix: string, limit: number, marker: string): OperationResult {
    const names = [...this.queues.keys()].filter((n) => n.startsWith(prefix) && (marker === '' || n >= marker)).sort();
    const page = names.slice(0, limit);
    const fields: XmlNode = { Queue: page.map((n) => ({ QueueURL: this.queueUrl(n) })) };
    if (names.length > limit) fields.NextMarker = names[limit]!;
    return { status: 200, xml: mnsDocument('Queues', fields) };
  }

  /** SendMessage (`<Message>`) or BatchSendMessage (`<Messages>`), told apart by the root element. */
  send(name: string, body: string, now: number): OperationResult {
    const queue = this.queue(name);
    const root = parseBody(body);
    if (localName(root) === 'Message') {
      const m = readMessage(root, queue);
      return { status: 201, xml: mnsDocument('Message', queue.send(m.body, now, m.delaySeconds, m.priority)) };
    }
    if (localName(root) !== 'Messages') throw schemaMismatch(localName(root));
    const items = root.children.filter((c) => localName(c) === 'Message');
    if (items.length < 1 || items.length > BATCH_LIMIT) throw outOfRange('Messages', 1, BATCH_LIMIT, 'messages');
    const messages = items.map((item) => readMessage(item, queue));
    const total = messages.reduce((sum, m) => sum + Buffer.byteLength(m.body, 'utf8'), 0);
    if (total > BATCH_SEND_BYTES) throw outOfRange('Messages', 1, BATCH_SEND_BYTES, 'bytes');
    const sent = messages.map((m) => queue.send(m.body, now, m.delaySeconds, m.priority));
    return { status: 201, xml: mnsDocument('Messages', { Message: sent }) };
  }

  /** Renders received or peeked messages; one message for the single forms, a list for the batch forms. */
  messagesResult(views: MessageView[], batch: boolean): OperationResult {
    if (views.length === 0) throw messageNotExist();
    if (!batch) return { status: 200, xml: mnsDocument('Message', messageFields(views[0]!)) };
    return { status: 200, xml: mnsDocument('Messages', { Message: views.map(messageFields) }) };
  }

  /** DeleteMessage. */
  deleteMessage(name: string, receiptHandle: string | undefined, now: number): OperationResult {
    const queue = this.queue(name);
    if (!receiptHandle) throw missingReceiptHandle();
    queue.delete(receiptHandle, now);
    return { status: 204 };
  }

  /**
   * BatchDeleteMessage: 204 when every handle was deleted; otherwise 404 with an
   * `<Errors>` list of the failed handles (ErrorCode, ErrorMessage, ReceiptHandle — the
   * elements MNS's own SDKs read, e.g. aliyun-mns-python-sdk mns_xml_handler.py
   * BatchDeleteMessageDecoder).
   */
  batchDeleteMessage(name: string, body: string, now: number): OperationResult {
    const queue = this.queue(name);
    const root = parseBody(body);
    if (localName(root) !== 'ReceiptHandles') throw schemaMismatch(localName(root));
    const handles = root.children.filter((c) => localName(c) === 'ReceiptHandle').map((c) => c.text.trim());
    if (handles.length < 1 || handles.length > BATCH_LIMIT) throw outOfRange('ReceiptHandles', 1, BATCH_LIMIT, 'messages');
    const errors: XmlNode[] = [];
    for (const handle of handles) {
      try {
        queue.delete(handle, now);
      } catch (error) {
        if (!(error instanceof MnsError)) throw error;
        errors.push({ ErrorCode: error.code, ErrorMessage: error.message, ReceiptHandle: handle });
      }
    }
    if (errors.length === 0) return { status: 204 };
    return { status: 404, xml: mnsDocument('Errors', { Error: errors }) };
  }

  /** ChangeMessageVisibility: a new handle and NextVisibleTime; the old handle expires. */
  changeVisibility(name: string, receiptHandle: string | undefined, visibilityTimeout: string | undefined, now: number): OperationResult {
    const queue = this.queue(name);
    if (!receiptHandle) throw missingReceiptHandle();
    if (visibilityTimeout === undefined || visibilityTimeout === '') throw missingVisibilityTimeout();
    const [low, high] = ATTRIBUTE_RANGES.VisibilityTimeout;
    const seconds = integerIn('VisibilityTimeout', visibilityTimeout, low, high, 'seconds')!;
    return { status: 200, xml: mnsDocument('ChangeVisibility', queue.changeVisibility(receiptHandle, seconds, now)) };
  }

  /** Names of all queues. */
  names(): string[] {
    return [...this.queues.keys()];
  }

  /** Closes every queue (emulator shutdown), waking waiting receivers. */
  closeAll(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}
