/**
 * Turning what reaches the uploader into job deliveries. In the cloud that is one job
 * (async or direct invocation), an array of jobs, one MNS CloudEvent (the MNS queue
 * trigger's event mode) or an array of them (event-streaming mode). An MNS message is
 * recognised by its `type` and `data` (lib/fc/mns-event.ts), never by `source`; its body
 * is JSON text or the Base64 of it (lib/jobs/message-body.ts). A bad entry becomes a
 * delivery with an error, never an exception, so one poison message cannot fail its batch,
 * and every delivery has an id to be recorded under.
 */
import { hasMnsMessageType, isMnsCloudEvent } from '../fc/mns-event';
import { invalidIdForEvent, invalidIdForMessage } from './invalid-id';
import { InvalidJobError, invalidJobIdError, parseJob, JOB_ID_PATTERN, type Job } from './job';
import { base64BodyBytes, readMessageBody } from './message-body';

/** One job as delivered, or the reason it cannot be one. */
export interface Delivery {
  /** Position in the batch. */
  index: number;
  /** The MNS message id, when the job came through a queue. */
  messageId?: string;
  /**
   * The job id the delivery is recorded under: the job's own when it has a usable one;
   * otherwise `invalid-<messageId>` for a queue message, or `invalid-` + 16 hex digits of
   * SHA-256(raw event) (lib/jobs/invalid-id.ts) — with `.<index>` added when a direct
   * invocation carries several jobs, so each still gets its own record.
   */
  recordId: string;
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

/** Where an entry came from, for the id of a delivery that has no usable job id. */
interface Origin {
  index: number;
  messageId?: string;
  /** The id for an entry that is not a queue message. */
  eventId: string;
}

function recordIdOf(origin: Origin, error: InvalidJobError | undefined, job: Job | undefined): string {
  if (job) return job.jobId;
  if (error?.jobId !== undefined) return error.jobId;
  return origin.messageId !== undefined ? invalidIdForMessage(origin.messageId) : origin.eventId;
}

function toDelivery(origin: Origin, value: unknown): Delivery {
  let job: Job | undefined;
  let error: InvalidJobError | undefined;
  try {
    job = parseJob(value);
  } catch (err) {
    error = err instanceof InvalidJobError ? err : new InvalidJobError(String(err), salvageJobId(value));
  }
  return invalidOr(origin, job, error);
}

function invalidOr(origin: Origin, job: Job | undefined, error: InvalidJobError | undefined): Delivery {
  const delivery: Delivery = { index: origin.index, recordId: recordIdOf(origin, error, job) };
  if (origin.messageId !== undefined) delivery.messageId = origin.messageId;
  if (job) delivery.job = job;
  if (error) delivery.error = error;
  return delivery;
}

function fromEntry(index: number, entry: unknown, eventId: string): Delivery {
  if (isMnsCloudEvent(entry)) {
    const origin: Origin = { index, messageId: entry.data.messageId, eventId };
    const body = readMessageBody(entry.data.messageBody);
    if (!body.ok) return invalidOr(origin, undefined, invalidJobIdError(undefined, body.message));
    return toDelivery(origin, body.value);
  }
  if (hasMnsMessageType(entry)) {
    return invalidOr({ index, eventId }, undefined, invalidJobIdError(undefined, 'an mns:Queue:SendMessage event without string data.messageId and data.messageBody'));
  }
  return toDelivery({ index, eventId }, entry);
}

/**
 * The event payload as JSON: FC passes the invocation's bytes as they were sent. Base64 of
 * the JSON is accepted too (canonical only, as message bodies), for callers that encode.
 */
function parseEventText(text: string): { ok: true; value: unknown } | { ok: false } {
  const direct = parseJson(text);
  if (direct.ok) return direct;
  const bytes = base64BodyBytes(text.trim());
  return bytes === undefined ? { ok: false } : parseJson(bytes.toString('utf8'));
}

/**
 * Every delivery in an uploader event, in order; each has the id it is recorded under.
 *
 * @example
 * deliveriesFromEvent(Buffer.from('{"jobId":"a","source":{"text":"x"},"target":{"key":"a.txt"}}'))
 * // => [{ index: 0, recordId: 'a', job: { jobId: 'a', … } }]
 * deliveriesFromEvent(Buffer.from('{"jobId":"a b"}'))
 * // => [{ index: 0, recordId: 'invalid-<16 hex>', error: InvalidJobError('invalid_job_id') }]
 */
export function deliveriesFromEvent(event: Buffer | Uint8Array | string | unknown): Delivery[] {
  let value: unknown = event;
  let raw: Uint8Array | string;
  if (typeof event === 'string' || event instanceof Uint8Array) {
    raw = event;
    const text = typeof event === 'string' ? event : Buffer.from(event.buffer, event.byteOffset, event.byteLength).toString('utf8');
    const parsed = parseEventText(text);
    if (!parsed.ok) return [invalidOr({ index: 0, eventId: invalidIdForEvent(raw) }, undefined, invalidJobIdError(undefined, 'the event is neither JSON nor Base64 of JSON'))];
    value = parsed.value;
  } else {
    // Handlers get bytes from FC; an already parsed event (tests, other callers) is hashed as JSON.
    raw = JSON.stringify(event) ?? '';
  }
  const eventId = invalidIdForEvent(raw);
  if (Array.isArray(value)) return value.map((entry, index) => fromEntry(index, entry, value.length > 1 ? `${eventId}.${index}` : eventId));
  return [fromEntry(0, value, eventId)];
}
