/**
 * Turning what reaches the uploader into job deliveries. In the cloud that is one job
 * (async or direct invocation), an array of jobs, one MNS CloudEvent (the MNS queue
 * trigger's event mode) or an array of them (event-streaming mode). An MNS message is
 * recognised by its `type` and `data` (lib/fc/mns-event.ts), never by `source`; its body
 * is JSON text or the Base64 of it (lib/jobs/message-body.ts). A bad entry becomes a
 * delivery with an error, never an exception, so one poison message cannot fail its batch.
 */
import { hasMnsMessageType, isMnsCloudEvent } from '../fc/mns-event';
import { InvalidJobError, parseJob, JOB_ID_PATTERN, type Job } from './job';
import { canonicalBase64Bytes, readMessageBody } from './message-body';

/** One job as delivered, or the reason it cannot be one. */
export interface Delivery {
  /** Position in the batch. */
  index: number;
  /** The MNS message id, when the job came through a queue. */
  messageId?: string;
  job?: Job;
  error?: InvalidJobError;
}

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

function fromEntry(index: number, entry: unknown): Delivery {
  if (isMnsCloudEvent(entry)) {
    const body = readMessageBody(entry.data.messageBody);
    if (!body.ok) return { index, messageId: entry.data.messageId, error: new InvalidJobError(body.message) };
    return toDelivery(index, body.value, entry.data.messageId);
  }
  if (hasMnsMessageType(entry)) {
    return { index, error: new InvalidJobError('an mns:Queue:SendMessage event without string data.messageId and data.messageBody') };
  }
  return toDelivery(index, entry);
}

/**
 * The event payload as JSON: FC passes the invocation's bytes as they were sent. Base64 of
 * the JSON is accepted too (canonical only, as message bodies), for callers that encode.
 */
function parseEventText(text: string): { ok: true; value: unknown } | { ok: false } {
  const direct = parseJson(text);
  if (direct.ok) return direct;
  const bytes = canonicalBase64Bytes(text.trim());
  return bytes === undefined ? { ok: false } : parseJson(bytes.toString('utf8'));
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
    const parsed = parseEventText(text);
    if (!parsed.ok) return [{ index: 0, error: new InvalidJobError('the event is neither JSON nor Base64 of JSON') }];
    value = parsed.value;
  }
  if (Array.isArray(value)) return value.map((entry, index) => fromEntry(index, entry));
  return [fromEntry(0, value)];
}
