// FC's MNS queue trigger events (test/conformance/fc-events/) through the real parsers:
// lib/fc/mns-event.ts recognises each, and lib/jobs/delivery.ts turns it into a delivery,
// as sent, with a job in its body (raw and Base64), and with EventBridge's `acs:mns` source.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMnsCloudEvent, type MnsCloudEvent } from '../../lib/fc/mns-event';
import { deliveriesFromEvent } from '../../lib/jobs/delivery';

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`./fc-events/${name}`, import.meta.url)), 'utf8'));
const single = { event: fixture('mns-queue-trigger-event.json'), captured: fixture('mns-queue-trigger-captured.json') } as Record<string, MnsCloudEvent>;
const batch = fixture('mns-queue-trigger-batch.json') as MnsCloudEvent[];

const job = { jobId: 'conf-1', source: { text: 'hello & <world>' }, target: { key: 'conformance/hello.txt' }, vars: { origin: 'fixture' } };
const withBody = (event: MnsCloudEvent, messageBody: string): MnsCloudEvent => ({ ...event, data: { ...event.data, messageBody } });
const encodings: Record<string, string> = {
  raw: JSON.stringify(job),
  base64: Buffer.from(JSON.stringify(job), 'utf8').toString('base64'),
};
/** As the function gets it: the invocation payload's bytes. */
const payload = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('FC MNS queue trigger samples', () => {
  test('every sample event is recognised as an MNS message, whatever its source', () => {
    for (const event of [...Object.values(single), ...batch]) {
      assert.equal(isMnsCloudEvent(event), true);
      assert.match(event.source, /^MNS-/);
      assert.equal(isMnsCloudEvent({ ...event, source: 'acs:mns' }), true);
    }
  });

  test('the captured body is the Base64 of what the console sent', () => {
    assert.equal(Buffer.from(single.captured!.data.messageBody, 'base64').toString('utf8'), 'mock mns queue message');
  });

  test('as sent, their bodies are not jobs: one invalid delivery each, with its message id', () => {
    for (const [name, event] of Object.entries(single)) {
      const deliveries = deliveriesFromEvent(payload(event));
      assert.equal(deliveries.length, 1, name);
      assert.equal(deliveries[0]!.messageId, event.data.messageId, name);
      assert.equal(deliveries[0]!.job, undefined);
      assert.equal(deliveries[0]!.error?.reason, 'invalid_job_id');
    }
    const deliveries = deliveriesFromEvent(payload(batch));
    assert.deepEqual(
      deliveries.map((d) => [d.messageId, d.error?.reason]),
      batch.map((e) => [e.data.messageId, 'invalid_job_id']),
    );
  });

  for (const [encoding, body] of Object.entries(encodings)) {
    for (const source of [undefined, 'acs:mns']) {
      const label = `${encoding} body${source ? `, source ${source}` : ''}`;

      test(`event mode, ${label}: each sample carries the job`, () => {
        for (const [name, event] of Object.entries(single)) {
          const sent = { ...withBody(event, body), ...(source ? { source } : {}) };
          const [delivery, ...rest] = deliveriesFromEvent(payload(sent));
          assert.equal(rest.length, 0);
          assert.deepEqual(delivery, { index: 0, messageId: event.data.messageId, recordId: job.jobId, job }, name);
        }
      });

      test(`event-streaming mode, ${label}: every event of the batch carries its job`, () => {
        const events = [...batch, ...batch].map((e, i) => ({ ...withBody(e, i === 0 ? body : JSON.stringify({ ...job, jobId: `conf-${i + 1}` })), ...(source ? { source } : {}) }));
        const deliveries = deliveriesFromEvent(payload(events));
        assert.deepEqual(
          deliveries.map((d) => [d.index, d.messageId, d.job?.jobId]),
          events.map((e, i) => [i, e.data.messageId, `conf-${i + 1}`]),
        );
      });
    }
  }

  test('an event that is neither an MNS message nor a job is one invalid delivery, as before', () => {
    const ossEvent = { events: [{ eventName: 'ObjectCreated:PutObject', eventSource: 'acs:oss' }] };
    const [delivery] = deliveriesFromEvent(payload(ossEvent));
    assert.equal(delivery!.error?.reason, 'invalid_job_id');
    assert.equal(delivery!.job, undefined);
    const topic = { ...single.event!, type: 'mns:Topic:SendMessage', data: { ...single.event!.data, messageBody: JSON.stringify(job) } };
    assert.equal(deliveriesFromEvent(payload(topic))[0]!.error?.reason, 'invalid_job_id', 'another MNS type is not a queue message');
    const broken = { ...single.event!, data: { messageId: 'M', messageBody: 42 } };
    assert.match(deliveriesFromEvent(payload(broken))[0]!.error!.message, /mns:Queue:SendMessage event without string data.messageId and data.messageBody/);
  });
});
