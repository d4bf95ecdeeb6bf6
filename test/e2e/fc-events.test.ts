// End to end through the built bundles: FC's own MNS queue trigger events
// (test/conformance/fc-events/) with a real job in `messageBody`, raw and Base64, with
// their own `source` and with EventBridge's `acs:mns`, each end with an `uploaded` record.
// An event that is no MNS message and no job is an invalid delivery, and the invocation
// succeeds. And a raw JSON body sent through the queue works as well as the Base64 one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MnsCloudEvent } from '../../lib/fc/mns-event';
import type { Job } from '../../lib/jobs/job';
import type { BatchSummary } from '../../lib/uploader/process';
import { startE2eStack, waitForRecord, type E2eStack } from './support';

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../conformance/fc-events/${name}`, import.meta.url)), 'utf8'));
const references: [string, MnsCloudEvent | MnsCloudEvent[]][] = [
  ['event', fixture('mns-queue-trigger-event.json') as MnsCloudEvent],
  ['captured', fixture('mns-queue-trigger-captured.json') as MnsCloudEvent],
  ['batch', fixture('mns-queue-trigger-batch.json') as MnsCloudEvent[]],
];

const encode = { raw: (job: Job) => JSON.stringify(job), base64: (job: Job) => Buffer.from(JSON.stringify(job), 'utf8').toString('base64') };

/** The reference event (or each event of the reference batch) carrying `job`, with `source` replaced when given. */
function carrying(reference: MnsCloudEvent | MnsCloudEvent[], body: string, source?: string): unknown {
  const one = (e: MnsCloudEvent) => ({ ...e, ...(source ? { source } : {}), data: { ...e.data, messageBody: body } });
  return Array.isArray(reference) ? reference.map(one) : one(reference);
}

function summaryOf(payload: Buffer): BatchSummary {
  return JSON.parse(payload.toString()) as BatchSummary;
}

describe('e2e: FC MNS queue trigger events', () => {
  let e2e: E2eStack;

  before(async () => {
    e2e = await startE2eStack({ trigger: { batchSize: 10, batchWindowMs: 200, concurrency: 1 } });
  });
  after(async () => {
    await e2e?.close();
  });

  test('each reference event with a job, raw or Base64, own source or acs:mns: uploaded', async () => {
    const { stack } = e2e;
    const cases: { jobId: string; event: unknown; messageId: string }[] = [];
    for (const [name, reference] of references) {
      for (const [encoding, toBody] of Object.entries(encode)) {
        for (const source of [undefined, 'acs:mns']) {
          const jobId = `fc-event-${name}-${encoding}-${source ? 'acs' : 'own'}`;
          const job: Job = { jobId, source: { text: `${jobId}\n` }, target: { key: `fc-events/${jobId}.txt` }, vars: { via: name } };
          const messageId = (Array.isArray(reference) ? reference[0]! : reference).data.messageId;
          cases.push({ jobId, event: carrying(reference, toBody(job), source), messageId });
        }
      }
    }
    await Promise.all(
      cases.map(async ({ jobId, event, messageId }) => {
        const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(event)));
        assert.equal(result.ok, true, result.payload.toString());
        const summary = summaryOf(result.payload);
        assert.deepEqual(summary.jobs.map((j) => [j.jobId, j.messageId, j.outcome]), [[jobId, messageId, 'uploaded']]);
      }),
    );
    for (const { jobId } of cases) {
      const record = await waitForRecord(stack, jobId);
      assert.equal(record.status, 'uploaded', jobId);
      assert.equal(record.recordedBy, 'callback');
      assert.equal((await stack.ossClient.get(`fc-events/${jobId}.txt`)).content.toString(), `${jobId}\n`);
    }
    assert.equal(cases.length, 12);
  });

  test('the reference events as published, and an event that is neither MNS message nor job: invalid, nothing thrown', async () => {
    const { stack } = e2e;
    for (const [name, reference] of references) {
      const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(reference)));
      assert.equal(result.ok, true, `${name}: ${result.payload.toString()}`);
      const events = Array.isArray(reference) ? reference : [reference];
      assert.deepEqual(
        summaryOf(result.payload).jobs.map((j) => [j.messageId, j.outcome, j.reason]),
        events.map((e) => [e.data.messageId, 'invalid', 'invalid_job_id']),
        `${name}: each message reported by its id`,
      );
    }
    const ossEvent = { events: [{ eventName: 'ObjectCreated:PutObject', eventSource: 'acs:oss', region: 'cn-hangzhou' }] };
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(ossEvent)));
    assert.equal(result.ok, true);
    const summary = summaryOf(result.payload);
    assert.equal(summary.counts.invalid, 1);
    assert.equal(summary.total, 1);
  });

  test('through the queue and the local trigger: a raw JSON body (XML-escaped for the SDK) and a Base64 one', async () => {
    const { stack } = e2e;
    const raw: Job = { jobId: 'fc-event-queue-raw', source: { text: 'fish & chips <raw>\n' }, target: { key: 'fc-events/queue raw.txt' } };
    const b64: Job = { jobId: 'fc-event-queue-b64', source: { text: 'fish & chips <b64>\n' }, target: { key: 'fc-events/queue b64.txt' } };
    const escaped = JSON.stringify(raw).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    await stack.mnsClient.sendMessage(stack.queue, { MessageBody: escaped });
    await stack.mnsClient.sendMessage(stack.queue, { MessageBody: encode.base64(b64) });
    for (const job of [raw, b64]) {
      const record = await waitForRecord(stack, job.jobId);
      assert.equal(record.status, 'uploaded');
    }
    assert.equal((await stack.ossClient.get('fc-events/queue raw.txt')).content.toString(), 'fish & chips <raw>\n');
  });
});
