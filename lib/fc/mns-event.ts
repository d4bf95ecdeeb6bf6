/**
 * An MNS queue message as FC's MNS queue trigger (EventBridge underneath) delivers it: one
 * CloudEvent 1.0. In event mode the function gets one; in event-streaming mode a JSON
 * array of them ({@link MnsCloudEventBatch}). Shape: aliyun/fc-runtime-go-sdk
 * events/mns-queue.go and events/README_MNS_Queue.md (commit 1fa415f), a deployed
 * function's log (awesome-fc/code-example java/java11-mns-queue-trigger/README.md), and
 * EventBridge's own sample; copies in test/conformance/fc-events/.
 *
 * `source` is not a constant, so it is never used to recognise one: triggers that FC
 * creates name their EventBridge source `MNS-<function>-<trigger>` ("MNS queue trigger":
 * https://www.alibabacloud.com/help/en/function-compute/latest/mns-queue-trigger, "Event
 * source: MNS-<Function name>-<Trigger name>"; the captured log shows
 * `MNS-java11-mns-queue-trigger-mns-queue-trigger-1`), while EventBridge's event-source
 * examples show `acs:mns`.
 */
export interface MnsCloudEvent {
  id: string;
  /** `MNS-<function>-<trigger>` for FC-created triggers, `acs:mns` in EventBridge's examples. */
  source: string;
  specversion: string;
  type: typeof MNS_SEND_MESSAGE_TYPE;
  /** `application/json;charset=utf-8` (captured) or `application/json; charset=utf-8` (docs). */
  datacontenttype?: string;
  /** `acs:mns:<region>:<account>:queues/<queue>` */
  subject?: string;
  /** When the message was enqueued (RFC 3339, UTC). */
  time?: string;
  aliyunaccountid?: string;
  /** When EventBridge published the event. */
  aliyunpublishtime?: string;
  aliyunoriginalaccountid?: string;
  /** `MNS-<function>-<trigger>` for FC-created triggers. */
  aliyuneventbusname?: string;
  aliyunregionid?: string;
  aliyunpublishaddr?: string;
  data: MnsQueueMessageData;
}

/** `data` of an {@link MnsCloudEvent}: the MNS message. */
export interface MnsQueueMessageData {
  requestId?: string;
  messageId: string;
  /** The message body as the queue holds it (JSON text, or its Base64: lib/jobs/message-body.ts), or decoded by EventBridge when the source has IsBase64Decode. */
  messageBody: string;
}

/** What an event-streaming trigger delivers: a batch of CloudEvents. */
export type MnsCloudEventBatch = MnsCloudEvent[];

/** The CloudEvent `type` of a message received from an MNS queue (every sample in test/conformance/fc-events/). */
export const MNS_SEND_MESSAGE_TYPE = 'mns:Queue:SendMessage';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when `value` claims to be an MNS queue message: an object whose `type` is
 * `mns:Queue:SendMessage`, whatever its `data`. A job never has a `type` field.
 */
export function hasMnsMessageType(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.type === MNS_SEND_MESSAGE_TYPE;
}

/**
 * True when `value` is an MNS queue message event: `type` `mns:Queue:SendMessage` and a
 * `data` object with string `messageId` and `messageBody`. `source` and every other
 * attribute are ignored.
 *
 * @example
 * const events = Array.isArray(parsed) ? parsed : [parsed];
 * const messages = events.filter(isMnsCloudEvent).map((e) => e.data.messageBody);
 */
export function isMnsCloudEvent(value: unknown): value is MnsCloudEvent {
  if (!hasMnsMessageType(value)) return false;
  const data = value.data;
  return isRecord(data) && typeof data.messageId === 'string' && typeof data.messageBody === 'string';
}
