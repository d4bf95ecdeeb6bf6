/**
 * One received MNS message as FC's MNS queue trigger (EventBridge underneath) hands it to
 * a function: a CloudEvent 1.0 with exactly the attributes of the samples in
 * test/conformance/fc-events/ (aliyun/fc-runtime-go-sdk events/README_MNS_Queue.md and
 * events/mns-queue.go at commit 1fa415f; a deployed function's log in awesome-fc/code-example
 * java/java11-mns-queue-trigger/README.md), in the same order:
 * - `source` and `aliyuneventbusname` are `MNS-<function>-<trigger>`: FC names the
 *   EventBridge source and bus of a trigger it creates that way
 *   (https://www.alibabacloud.com/help/en/function-compute/latest/mns-queue-trigger);
 * - `subject` is `acs:mns:<region>:<account>:queues/<queue>`;
 * - `time` is when the message was enqueued and `aliyunpublishtime` when the event was
 *   published (in every sample `time` comes first);
 * - `datacontenttype` is `application/json;charset=utf-8` as in the captured log (the
 *   docs' sample writes a space after the `;`);
 * - `data` is `{requestId, messageId, messageBody}`; `messageBody` is the body as the
 *   queue holds it, or its Base64 decoding when the source has IsBase64Decode
 *   ("Base64 Decoding: your data in MNS is decoded before delivery",
 *   https://www.alibabacloud.com/help/en/eventbridge/latest/439527).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { MnsCloudEvent } from '../../lib/fc';

/** Where the events come from. */
export interface EventSourceInfo {
  region: string;
  accountId: string;
  queue: string;
  /** The function the trigger belongs to. */
  functionName: string;
  triggerName: string;
  base64Decode: boolean;
}

/** The fields of a received message the event is made of. */
export interface ReceivedMessageFields {
  MessageId: string;
  MessageBody: string;
  EnqueueTime: string;
}

/**
 * The address the local trigger publishes from. In the cloud `aliyunpublishaddr` is an
 * EventBridge address (`42.120.XX.XX` in the docs' sample, `172.20.xxx.xx` in the log);
 * here the trigger runs on loopback.
 */
const LOCAL_PUBLISH_ADDRESS = '127.0.0.1';

/** The `subject` of events from a queue: `acs:mns:<region>:<account>:queues/<queue>`. */
export function queueSubject(source: Pick<EventSourceInfo, 'region' | 'accountId' | 'queue'>): string {
  return `acs:mns:${source.region}:${source.accountId}:queues/${source.queue}`;
}

/**
 * The `source` (and event bus name) of an FC-created MNS queue trigger: `MNS-<function>-<trigger>`.
 *
 * @example
 * triggerSourceName({ functionName: 'uploader', triggerName: 'jobs-queue' }); // 'MNS-uploader-jobs-queue'
 */
export function triggerSourceName(source: Pick<EventSourceInfo, 'functionName' | 'triggerName'>): string {
  return `MNS-${source.functionName}-${source.triggerName}`;
}

/**
 * Wraps a received message as the CloudEvent the trigger delivers.
 *
 * @example
 * toMnsCloudEvent({ MessageId: 'M', MessageBody: 'e30=', EnqueueTime: '1712557697093' },
 *   { region: 'cn-hangzhou', accountId: '1', queue: 'jobs', functionName: 'uploader', triggerName: 'jobs-queue', base64Decode: false })
 */
export function toMnsCloudEvent(message: ReceivedMessageFields, source: EventSourceInfo, publishedAt = new Date()): MnsCloudEvent {
  const enqueued = Number(message.EnqueueTime);
  const body = source.base64Decode ? Buffer.from(message.MessageBody, 'base64').toString('utf8') : message.MessageBody;
  const name = triggerSourceName(source);
  return {
    id: randomUUID(),
    source: name,
    specversion: '1.0',
    type: 'mns:Queue:SendMessage',
    datacontenttype: 'application/json;charset=utf-8',
    subject: queueSubject(source),
    time: new Date(Number.isFinite(enqueued) ? enqueued : publishedAt.getTime()).toISOString(),
    aliyunaccountid: source.accountId,
    aliyunpublishtime: publishedAt.toISOString(),
    aliyunoriginalaccountid: source.accountId,
    aliyuneventbusname: name,
    aliyunregionid: source.region,
    aliyunpublishaddr: LOCAL_PUBLISH_ADDRESS,
    data: {
      // MNS request ids are 24 upper-case hex digits (606EA3074344430D4C81**** in the samples).
      requestId: randomBytes(12).toString('hex').toUpperCase(),
      messageId: message.MessageId,
      messageBody: body,
    },
  };
}
