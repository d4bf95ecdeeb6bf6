/**
 * One received MNS message as the EventBridge MNS trigger hands it to Function Compute:
 * a CloudEvent 1.0 with `source: "acs:mns"`, `type: "mns:Queue:SendMessage"`, the queue
 * as `subject` and the message in `data` — the shape of EventBridge's sample event
 * (https://www.alibabacloud.com/help/en/eventbridge/latest/create-a-custom-event-source-of-the-mns-type;
 * copy in test/fixtures/events/mns-queue-cloudevent.json).
 *
 * `time` is when the message was enqueued and `aliyunpublishtime` when the trigger
 * published the event (in the sample, `time` precedes `aliyunpublishtime`). With the
 * source's "Base64 Decoding" option EventBridge decodes the body before delivery
 * (https://help.aliyun.com/en/eventbridge/user-guide/simple-message-queue-formerly-mns);
 * `base64Decode` does the same.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { MnsCloudEvent } from '../../lib/fc';

/** Where the events come from. */
export interface EventSourceInfo {
  region: string;
  accountId: string;
  queue: string;
  eventBusName: string;
  base64Decode: boolean;
}

/** The fields of a received message the event is made of. */
export interface ReceivedMessageFields {
  MessageId: string;
  MessageBody: string;
  EnqueueTime: string;
}

/** The `subject` of events from a queue: `acs:mns:<region>:<account>:queues/<queue>`. */
export function queueSubject(source: Pick<EventSourceInfo, 'region' | 'accountId' | 'queue'>): string {
  return `acs:mns:${source.region}:${source.accountId}:queues/${source.queue}`;
}

/**
 * Wraps a received message as the CloudEvent the trigger delivers.
 *
 * @example
 * toMnsCloudEvent({ MessageId: 'M', MessageBody: '{}', EnqueueTime: '1712557697093' },
 *   { region: 'cn-hangzhou', accountId: '1', queue: 'jobs', eventBusName: 'bus', base64Decode: false })
 */
export function toMnsCloudEvent(message: ReceivedMessageFields, source: EventSourceInfo, publishedAt = new Date()): MnsCloudEvent {
  const enqueued = Number(message.EnqueueTime);
  const body = source.base64Decode ? Buffer.from(message.MessageBody, 'base64').toString('utf8') : message.MessageBody;
  return {
    id: randomUUID(),
    source: 'acs:mns',
    specversion: '1.0',
    type: 'mns:Queue:SendMessage',
    datacontenttype: 'application/json; charset=utf-8',
    subject: queueSubject(source),
    time: new Date(Number.isFinite(enqueued) ? enqueued : publishedAt.getTime()).toISOString(),
    aliyunpublishtime: publishedAt.toISOString(),
    aliyuneventbusname: source.eventBusName,
    data: {
      requestId: randomBytes(12).toString('hex').toUpperCase(),
      messageId: message.MessageId,
      messageBody: body,
    },
  };
}
