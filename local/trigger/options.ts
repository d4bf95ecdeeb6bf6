/**
 * Options of the local MNS trigger and their checks. Ranges follow the EventBridge MNS
 * event-streaming source: a batch of up to 10000 messages, a batch window of 0–15 s
 * (EventBridge MNS event stream, "Messages: 1 to 10000",
 * https://www.alibabacloud.com/help/en/eventbridge/latest/439527; FC BatchWindow: CountBasedWindow / TimeBasedWindow,
 * https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-batchwindow).
 */
import { ReasonedError } from '../../lib/errors';
import type { MnsCloudEvent } from '../../lib/fc';

/** How to reach the queue service (the emulator or the cloud). */
export interface MnsConnection {
  /** Base URL for `@alicloud/mns`'s `endpoint` option, e.g. the emulator's `url`. */
  endpoint: string;
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Region named in each event's `subject` (default 'cn-hangzhou'). */
  region?: string;
}

/** Progress the trigger reports. */
export type TriggerEvent =
  | { type: 'delivered'; messageIds: string[] }
  | { type: 'succeeded'; messageIds: string[] }
  | { type: 'failed'; messageIds: string[]; error: unknown }
  | { type: 'dead-lettered'; messageId: string; dequeueCount: number; deadLetterQueue: string }
  | { type: 'discarded'; messageId: string; dequeueCount: number }
  | { type: 'error'; stage: 'receive' | 'visibility' | 'delete' | 'dead-letter'; error: unknown };

export interface MnsTriggerOptions {
  mns: MnsConnection;
  /** Queue to consume. */
  queue: string;
  /** Queue that gets the body of a message that failed `maxDeliveries` times; without one such a message is discarded. */
  deadLetterQueue?: string;
  /** Most messages per invocation, 1–10000 (default 10). */
  batchSize?: number;
  /**
   * How long to gather a batch after its first message, 0–15000 ms (default 0: invoke with
   * what one receive returns). Sub-second remainders are short polls, which assumes the
   * queue's PollingWaitSeconds is 0 (its default): the SDK cannot send `waitseconds=0`.
   */
  batchWindowMs?: number;
  /** Visibility timeout set on each received message (default: the queue's own). A failed message reappears after it. */
  visibilityTimeoutSec?: number;
  /** Deliveries after which a failing message leaves the queue (dead-lettered or discarded); default: retried until retention ends. */
  maxDeliveries?: number;
  /**
   * Decode Base64 message bodies before delivery: the source's IsBase64Decode. Default
   * false here; the cloud API's default is true
   * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-struct-sourcemnsparameters),
   * which is why s.yaml sets it explicitly.
   */
  base64Decode?: boolean;
  /** The function the trigger invokes; with `triggerName` it makes each event's `source` and bus name, `MNS-<function>-<trigger>` (default 'uploader', the local FC host's name). */
  functionName?: string;
  /** The trigger's name (default 'jobs-queue', s.yaml's `triggerName`). */
  triggerName?: string;
  /** Invocations running at once (default 1). */
  concurrency?: number;
  /** Delivers one batch; a rejection is a failed invocation and the whole batch is retried. */
  invoke(events: MnsCloudEvent[]): Promise<void>;
  /** Progress callback; exceptions it throws are ignored. */
  onEvent?: (event: TriggerEvent) => void;
}

/** Options with defaults filled in. */
export interface ResolvedTriggerOptions extends Required<Omit<MnsTriggerOptions, 'deadLetterQueue' | 'visibilityTimeoutSec' | 'maxDeliveries' | 'onEvent'>> {
  deadLetterQueue?: string;
  visibilityTimeoutSec?: number;
  maxDeliveries?: number;
  onEvent?: (event: TriggerEvent) => void;
  region: string;
}

/** Thrown by startMnsTrigger for options it cannot run with. */
export class TriggerConfigError extends ReasonedError<'invalid_trigger_config'> {
  constructor(message: string) {
    super('invalid_trigger_config', message);
  }
}

function integerIn(name: string, value: number | undefined, low: number, high: number, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < low || value > high) throw new TriggerConfigError(`${name} must be an integer from ${low} to ${high}, got ${String(value)}`);
  return value;
}

/** Checks the options and fills in defaults; throws TriggerConfigError. */
export function resolveTriggerOptions(options: MnsTriggerOptions): ResolvedTriggerOptions {
  const { mns } = options;
  if (!mns || !mns.endpoint || !mns.accountId || !mns.accessKeyId || !mns.accessKeySecret) {
    throw new TriggerConfigError('mns needs endpoint, accountId, accessKeyId and accessKeySecret');
  }
  if (!options.queue) throw new TriggerConfigError('queue is required');
  if (typeof options.invoke !== 'function') throw new TriggerConfigError('invoke must be a function');
  for (const name of ['functionName', 'triggerName'] as const) {
    if (options[name] !== undefined && options[name] === '') throw new TriggerConfigError(`${name} must not be empty`);
  }
  if (options.deadLetterQueue !== undefined && options.deadLetterQueue === options.queue) {
    throw new TriggerConfigError('deadLetterQueue must differ from queue');
  }
  return {
    mns,
    queue: options.queue,
    deadLetterQueue: options.deadLetterQueue,
    batchSize: integerIn('batchSize', options.batchSize, 1, 10000, 10)!,
    batchWindowMs: integerIn('batchWindowMs', options.batchWindowMs, 0, 15000, 0)!,
    visibilityTimeoutSec: integerIn('visibilityTimeoutSec', options.visibilityTimeoutSec, 1, 43200, undefined),
    maxDeliveries: integerIn('maxDeliveries', options.maxDeliveries, 1, 1000, undefined),
    base64Decode: options.base64Decode ?? false,
    functionName: options.functionName ?? 'uploader',
    triggerName: options.triggerName ?? 'jobs-queue',
    concurrency: integerIn('concurrency', options.concurrency, 1, 64, 1)!,
    invoke: options.invoke,
    onEvent: options.onEvent,
    region: mns.region ?? 'cn-hangzhou',
  };
}
