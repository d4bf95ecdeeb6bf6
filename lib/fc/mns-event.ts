/**
 * An MNS queue message as EventBridge delivers it to FC (one CloudEvent 1.0). In
 * `event-driven` mode the function gets one; in `event-streaming` mode a JSON array of
 * them ({@link MnsCloudEventBatch}). Shape: EventBridge's MNS queue event example
 * (test/fixtures/fc/mns-queue-cloudevent.json; DESIGN.md section 6).
 */
export interface MnsCloudEvent {
  id: string;
  source: 'acs:mns' | string;
  specversion: string;
  type: 'mns:Queue:SendMessage' | string;
  datacontenttype?: string;
  /** `acs:mns:<region>:<account>:queues/<queue>` */
  subject?: string;
  time?: string;
  aliyunpublishtime?: string;
  aliyuneventbusname?: string;
  aliyunaccountid?: string;
  data: MnsQueueMessageData;
}

/** `data` of an {@link MnsCloudEvent}: the MNS message. */
export interface MnsQueueMessageData {
  requestId?: string;
  messageId: string;
  /** The message body as sent: JSON text, or its Base64 when the sender encoded it. */
  messageBody: string;
}

/** What an `event-streaming` trigger delivers: a batch of CloudEvents. */
export type MnsCloudEventBatch = MnsCloudEvent[];

/**
 * True when `value` has the shape of an MNS CloudEvent (source `acs:mns`, a `data`
 * object with a string `messageBody` and `messageId`).
 *
 * @example
 * const events = Array.isArray(parsed) ? parsed : [parsed];
 * if (events.every(isMnsCloudEvent)) { ... }
 */
export function isMnsCloudEvent(value: unknown): value is MnsCloudEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v.source !== 'acs:mns' || typeof v.type !== 'string' || typeof v.id !== 'string') return false;
  const data = v.data;
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return typeof d.messageBody === 'string' && typeof d.messageId === 'string';
}
