/**
 * Turning what reaches the uploader into job deliveries. In the cloud that is one job
 * (async or direct invocation), an array of jobs, one MNS CloudEvent (EventBridge
 * event-driven mode) or an array of them (event-streaming mode); a message body is JSON
 * text or its Base64. A bad entry becomes a delivery with an error, never an exception,
 * so one poison message cannot fail its batch.
 */
import { isMnsCloudEvent } from '../fc/mns-event';
import { InvalidJobError, parseJob, JOB_ID_PATTERN, type Job } from './job';

/** One job as delivered, or the reason it cannot be one. */
export interface Delivery {
  /** Position in the batch. */
  index: number;
  /** The MNS message id, when the job came through a queue. */
  messageId?: string;
  job?: Job;
  error?: InvalidJobError;
}

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The job id of an unparseable body, when one can be picked out, so the failure is recorded. */
function salvageJobId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as Record<string, unknown>).jobId;
  return typeof id === 'string' && JOB_ID_PATTERN.test(id) ? id : undefined;
}

function toDelivery(index: number, value: unknown, messageId?: string): Delivery {
  const delivery: Delivery = { index };
  if (messageId !== undefined) delivery.messageId = messageId;
  try {
    delivery.job = parseJob(value);
  } catch (error) {
    delivery.error = error instanceof InvalidJobError ? error : new InvalidJobError(String(error), salvageJobId(value));
  }
  return delivery;
}

/** Reads a queue message body: JSON text, or Base64 of JSON text. */
export function parseMessageBody(body: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const direct = parseJson(body);
  if (direct.ok) return direct;
  const compact = body.trim();
  if (compact.length % 4 === 0 && BASE64.test(compact)) {
    const decoded = parseJson(Buffer.from(compact, 'base64').toString('utf8'));
    if (decoded.ok) return decoded;
  }
  return { ok: false, message: 'message body is neither JSON nor Base64 of JSON' };
}

function fromEntry(index: number, entry: unknown): Delivery {
  if (isMnsCloudEvent(entry)) {
    const body = parseMessageBody(entry.data.messageBody);
    if (!body.ok) return { index, messageId: entry.data.messageId, error: new InvalidJobError(body.message) };
    return toDelivery(index, body.value, entry.data.messageId);
  }
  return toDelivery(index, entry);
}

/**
 * Every delivery in an uploader event, in order.
 *
 * @example
 * deliveriesFromEvent(Buffer.from('{"jobId":"a","source":{"text":"x"},"target":{"key":"a.txt"}}'))
 * // => [{ index: 0, job: { jobId: 'a', … } }]
 */
export function deliveriesFromEvent(event: Buffer | Uint8Array | string | unknown): Delivery[] {
  let value: unknown = event;
  if (typeof event === 'string' || event instanceof Uint8Array) {
    const text = typeof event === 'string' ? event : Buffer.from(event.buffer, event.byteOffset, event.byteLength).toString('utf8');
    const parsed = parseMessageBody(text);
    if (!parsed.ok) return [{ index: 0, error: new InvalidJobError('the event is neither JSON nor Base64 of JSON') }];
    value = parsed.value;
  }
  if (Array.isArray(value)) return value.map((entry, index) => fromEntry(index, entry));
  return [fromEntry(0, value)];
}
