// The local EventBridge-style MNS trigger end to end: the MNS emulator, the real
// @alicloud/mns client (producer side and inside the trigger), and a fake `invoke`.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import MNSClient from '@alicloud/mns';
import { startMnsEmulator, type MnsEmulator } from '../../../local/mns/index';
import { startMnsTrigger, TriggerConfigError, type MnsCloudEvent, type MnsConnection, type MnsTrigger, type MnsTriggerOptions, type TriggerEvent } from '../../../local/trigger/index';

// FC's documented event-mode sample; test/conformance/ compares the two key by key.
const fixture = JSON.parse(readFileSync(new URL('../../conformance/fc-events/mns-queue-trigger-event.json', import.meta.url), 'utf8')) as Record<string, unknown>;

let mns: MnsEmulator;
let client: MNSClient;
let connection: MnsConnection;
let counter = 0;
const triggers: MnsTrigger[] = [];

before(async () => {
  mns = await startMnsEmulator({ region: 'cn-shanghai' });
  client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
  connection = { endpoint: mns.url, accountId: mns.accountId, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret, region: mns.region };
});

// Each test stops its triggers, so none of them consumes another test's messages or faults.
afterEach(async () => {
  await Promise.all(triggers.splice(0).map((t) => t.stop()));
});

after(async () => {
  await mns.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function freshQueue(visibilityTimeout = 1): Promise<string> {
  counter += 1;
  const name = `jobs-${counter}`;
  await client.createQueue(name, { VisibilityTimeout: visibilityTimeout });
  return name;
}

/** Starts a trigger that records every invocation and progress event; stopped after the test. */
function trigger(queue: string, invoke: MnsTriggerOptions['invoke'], options: Partial<MnsTriggerOptions> = {}) {
  const invocations: { at: number; events: MnsCloudEvent[] }[] = [];
  const progress: TriggerEvent[] = [];
  const started = startMnsTrigger({
    mns: connection,
    queue,
    invoke: async (events) => {
      invocations.push({ at: Date.now(), events });
      await invoke(events);
    },
    onEvent: (e) => progress.push(e),
    ...options,
  });
  triggers.push(started);
  return { trigger: started, invocations, progress };
}

const bodies = (events: MnsCloudEvent[]): string[] => events.map((e) => e.data.messageBody).sort();

describe('events', () => {
  test('each message is delivered as a CloudEvent of the MNS queue trigger shape', async () => {
    const queue = await freshQueue();
    const body = '{"jobId":"shape","text":"a & b < c"}';
    const sent = await client.sendMessage(queue, { MessageBody: body.replace(/&/g, '&amp;').replace(/</g, '&lt;') });
    const sentAt = Date.now();
    const { invocations } = trigger(queue, async () => {}, { functionName: 'oss-upload-uploader', triggerName: 'jobs-queue' });
    await waitFor('one invocation', () => invocations.length === 1);

    const event = invocations[0]!.events[0]!;
    assert.deepEqual(Object.keys(event), Object.keys(fixture), 'same fields, same order as the reference event');
    assert.deepEqual(Object.keys(event.data), Object.keys(fixture.data as object));
    assert.equal(event.source, 'MNS-oss-upload-uploader-jobs-queue');
    assert.equal(event.aliyuneventbusname, 'MNS-oss-upload-uploader-jobs-queue');
    assert.equal(event.specversion, fixture.specversion);
    assert.equal(event.type, fixture.type);
    assert.equal(event.datacontenttype, 'application/json;charset=utf-8');
    assert.equal(event.subject, `acs:mns:cn-shanghai:${mns.accountId}:queues/${queue}`);
    assert.equal(event.aliyunregionid, 'cn-shanghai');
    assert.equal(event.aliyunaccountid, mns.accountId);
    assert.equal(event.aliyunoriginalaccountid, mns.accountId);
    assert.equal(event.aliyunpublishaddr, '127.0.0.1');
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(event.data.requestId ?? '', /^[0-9A-F]{24}$/);
    assert.equal(event.data.messageId, sent.body.MessageId);
    assert.equal(event.data.messageBody, body);
    const time = Date.parse(event.time!);
    assert.ok(time <= sentAt && sentAt - time < 1000, 'time is when the message was enqueued');
    assert.ok(Date.parse(event.aliyunpublishtime!) >= time);
  });

  test('source names the function and trigger, by default those of the local stack', async () => {
    const queue = await freshQueue();
    await client.sendMessage(queue, { MessageBody: 'e30=' });
    const { invocations } = trigger(queue, async () => {});
    await waitFor('one invocation', () => invocations.length === 1);
    assert.equal(invocations[0]!.events[0]!.source, 'MNS-uploader-jobs-queue');
    assert.equal(invocations[0]!.events[0]!.data.messageBody, 'e30=', 'the body arrives as sent');
  });

  test('base64Decode delivers the decoded body; without it the Base64 text arrives as sent', async () => {
    const queue = await freshQueue();
    const json = '{"jobId":"b64"}';
    await client.sendMessage(queue, { MessageBody: Buffer.from(json).toString('base64') });
    const { invocations } = trigger(queue, async () => {}, { base64Decode: true });
    await waitFor('decoded delivery', () => invocations.length === 1);
    assert.equal(invocations[0]!.events[0]!.data.messageBody, json);
  });
});

describe('delivery', () => {
  test('a successful invocation deletes its messages', async () => {
    const queue = await freshQueue();
    await client.batchSendMessage(queue, [{ MessageBody: 'a' }, { MessageBody: 'b' }, { MessageBody: 'c' }]);
    const { trigger: t, invocations, progress } = trigger(queue, async () => {});
    await waitFor('all delivered', () => invocations.flatMap((i) => i.events).length === 3);
    await waitFor('deleted', () => t.stats().succeededMessages === 3);
    assert.deepEqual(bodies(invocations.flatMap((i) => i.events)), ['a', 'b', 'c']);
    assert.deepEqual(mns.queueStats(queue), { visible: 0, inflight: 0, delayed: 0 });
    assert.ok(progress.some((e) => e.type === 'succeeded'));
    assert.equal(t.stats().failedInvocations, 0);
  });

  test('a failed batch is redelivered after the visibility timeout, whole', async () => {
    const queue = await freshQueue();
    await client.batchSendMessage(queue, [{ MessageBody: 'x' }, { MessageBody: 'y' }]);
    let calls = 0;
    const { trigger: t, invocations } = trigger(
      queue,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('uploader crashed');
      },
      { batchWindowMs: 300 },
    );
    await waitFor('second delivery', () => invocations.length === 2);
    await waitFor('deleted', () => t.stats().succeededMessages === 2);
    assert.deepEqual(bodies(invocations[0]!.events), ['x', 'y']);
    assert.deepEqual(bodies(invocations[1]!.events), ['x', 'y']);
    assert.deepEqual(
      invocations[1]!.events.map((e) => e.data.messageId).sort(),
      invocations[0]!.events.map((e) => e.data.messageId).sort(),
      'the same messages come back',
    );
    assert.ok(invocations[1]!.at - invocations[0]!.at >= 900, 'redelivered only after the 1 s visibility timeout');
    assert.deepEqual(mns.queueStats(queue), { visible: 0, inflight: 0, delayed: 0 });
    assert.equal(t.stats().failedInvocations, 1);
  });

  test('a message that fails maxDeliveries times goes to the dead-letter queue', async () => {
    const queue = await freshQueue();
    const dlq = await freshQueue();
    const poison = '{"jobId":"poison","note":"<&>"}';
    await client.sendMessage(queue, { MessageBody: poison.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') });
    const { trigger: t, invocations, progress } = trigger(
      queue,
      async () => {
        throw new Error('always fails');
      },
      { deadLetterQueue: dlq, maxDeliveries: 2 },
    );
    await waitFor('dead-lettered', () => t.stats().deadLettered === 1);
    assert.equal(invocations.length, 2);
    assert.deepEqual(mns.queueStats(queue), { visible: 0, inflight: 0, delayed: 0 });
    const dead = await client.receiveMessage(dlq);
    assert.equal(dead.body.MessageBody, poison);
    const event = progress.find((e) => e.type === 'dead-lettered');
    assert.deepEqual(event, { type: 'dead-lettered', messageId: invocations[0]!.events[0]!.data.messageId, dequeueCount: 2, deadLetterQueue: dlq });
    await sleep(1200);
    assert.equal(invocations.length, 2, 'not delivered again');
  });

  test('without a dead-letter queue an exhausted message is discarded', async () => {
    const queue = await freshQueue();
    await client.sendMessage(queue, { MessageBody: 'doomed' });
    const { trigger: t, invocations } = trigger(
      queue,
      async () => {
        throw new Error('fails');
      },
      { maxDeliveries: 1 },
    );
    await waitFor('discarded', () => t.stats().discarded === 1);
    assert.equal(invocations.length, 1);
    assert.deepEqual(mns.queueStats(queue), { visible: 0, inflight: 0, delayed: 0 });
  });

  test('a message already past maxDeliveries when received is moved out without an invocation', async () => {
    const queue = await freshQueue();
    const dlq = await freshQueue();
    await client.sendMessage(queue, { MessageBody: 'left over' });
    await client.receiveMessage(queue); // DequeueCount 1, as if a trigger had died mid-batch
    await client.receiveMessage(queue, 3); // DequeueCount 2
    const { trigger: t, invocations } = trigger(queue, async () => {}, { deadLetterQueue: dlq, maxDeliveries: 1 });
    await waitFor('dead-lettered', () => t.stats().deadLettered === 1, 5000);
    assert.equal(invocations.length, 0);
    assert.equal((await client.receiveMessage(dlq)).body.MessageBody, 'left over');
  });

  test('visibilityTimeoutSec overrides the queue visibility timeout for retries', async () => {
    const queue = await freshQueue(30);
    await client.sendMessage(queue, { MessageBody: 'quick retry' });
    let calls = 0;
    const { invocations } = trigger(
      queue,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first try fails');
      },
      { visibilityTimeoutSec: 1 },
    );
    await waitFor('retry well before 30 s', () => invocations.length === 2, 5000);
    assert.ok(invocations[1]!.at - invocations[0]!.at >= 900);
  });
});

describe('batching', () => {
  test('a full batch is invoked at once, without waiting for the window', async () => {
    const queue = await freshQueue(10);
    const messages = Array.from({ length: 12 }, (_, i) => ({ MessageBody: `m${String(i).padStart(2, '0')}` }));
    await client.batchSendMessage(queue, messages);
    const started = Date.now();
    const { trigger: t, invocations } = trigger(queue, async () => {}, { batchSize: 5, batchWindowMs: 1500 });
    await waitFor('all 12 delivered', () => invocations.flatMap((i) => i.events).length === 12);
    assert.deepEqual(
      invocations.map((i) => i.events.length),
      [5, 5, 2],
    );
    assert.ok(invocations[0]!.at - started < 1000, 'first full batch did not wait for the window');
    assert.ok(invocations[1]!.at - started < 1000, 'second full batch did not wait for the window');
    assert.ok(invocations[2]!.at - invocations[1]!.at >= 1300, 'the partial batch waited for its window');
    assert.deepEqual(bodies(invocations.flatMap((i) => i.events)), messages.map((m) => m.MessageBody));
    await waitFor('deleted', () => t.stats().succeededMessages === 12);
  });

  test('messages arriving within the window share one invocation', async () => {
    const queue = await freshQueue(10);
    const { invocations } = trigger(queue, async () => {}, { batchSize: 100, batchWindowMs: 1200 });
    await sleep(100);
    const firstSent = Date.now();
    await client.sendMessage(queue, { MessageBody: 'first' });
    await sleep(400);
    await client.batchSendMessage(queue, [{ MessageBody: 'second' }, { MessageBody: 'third' }]);
    await waitFor('one invocation', () => invocations.length === 1);
    assert.deepEqual(bodies(invocations[0]!.events), ['first', 'second', 'third']);
    const waited = invocations[0]!.at - firstSent;
    assert.ok(waited >= 1100 && waited < 2500, `invoked when the window closed (${waited} ms after the first message)`);
    await sleep(300);
    assert.equal(invocations.length, 1);
  });

  test('batches beyond 16 messages are gathered over several receives', async () => {
    const queue = await freshQueue(10);
    const all = Array.from({ length: 20 }, (_, i) => `n${i}`);
    await client.batchSendMessage(queue, all.slice(0, 16).map((b) => ({ MessageBody: b })));
    await client.batchSendMessage(queue, all.slice(16).map((b) => ({ MessageBody: b })));
    const { trigger: t, invocations } = trigger(queue, async () => {}, { batchSize: 20, batchWindowMs: 3000 });
    await waitFor('one invocation of 20', () => invocations.length === 1, 2000);
    assert.equal(invocations[0]!.events.length, 20);
    await waitFor('all deleted in chunks of 16', () => t.stats().succeededMessages === 20);
  });

  test('concurrency lets several invocations run at once; stop() waits for them', async () => {
    const queue = await freshQueue(10);
    await client.batchSendMessage(queue, [{ MessageBody: '1' }, { MessageBody: '2' }, { MessageBody: '3' }]);
    let running = 0;
    let peak = 0;
    const { trigger: t, invocations } = trigger(
      queue,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(400);
        running -= 1;
      },
      { batchSize: 1, concurrency: 2 },
    );
    await waitFor('two running', () => peak === 2, 3000);
    await t.stop();
    assert.equal(running, 0, 'stop() returned after the running invocations');
    assert.ok(invocations.length >= 2);
    assert.equal(t.stats().inflight, 0);
  });
});

describe('options', () => {
  test('out-of-range options are refused with TriggerConfigError', () => {
    const base = { mns: connection, queue: 'q', invoke: async () => {} };
    assert.throws(() => startMnsTrigger({ ...base, batchSize: 0 }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, batchSize: 10001 }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, batchWindowMs: 15001 }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, maxDeliveries: 0 }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, deadLetterQueue: 'q' }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, mns: { ...connection, endpoint: '' } }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, functionName: '' }), TriggerConfigError);
    assert.throws(() => startMnsTrigger({ ...base, triggerName: '' }), TriggerConfigError);
  });

  test('receive errors are reported and the trigger keeps going', async () => {
    const queue = await freshQueue();
    mns.faults.inject({ operation: 'BatchReceiveMessage', count: 2, status: 503, code: 'ServiceUnavailable' });
    await client.sendMessage(queue, { MessageBody: 'eventually' });
    const { trigger: t, invocations, progress } = trigger(queue, async () => {});
    await waitFor('delivered after the errors', () => invocations.length === 1);
    assert.equal(t.stats().errors, 2);
    assert.deepEqual(
      progress.filter((e) => e.type === 'error').map((e) => (e as { stage: string }).stage),
      ['receive', 'receive'],
    );
  });
});
