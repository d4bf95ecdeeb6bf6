// End to end through the real bundles: how deliveries end. A job delivered twice is
// uploaded once and recorded once; a callback server that is down leaves the object
// stored and the job `stored_unconfirmed` (recorded by the uploader from a HEAD); a
// poison job does not stop its batch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Job } from '../../lib/jobs/job';
import type { BatchSummary } from '../../lib/uploader/process';
import { startGatedSource } from '../support/gated-source';
import { headObject, mnsCloudEvent, sendToQueue, startE2eStack, waitForRecord, type E2eStack } from './support';

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function summaryOf(payload: Buffer): BatchSummary {
  return JSON.parse(payload.toString()) as BatchSummary;
}

describe('e2e: deliveries', () => {
  let e2e: E2eStack;
  /** The same bundles, with the uploader's CALLBACK_URL on a port where nothing listens. */
  let down: E2eStack;
  /** Size of each batch the trigger delivered. */
  const queueBatches: number[] = [];

  before(async () => {
    // One poller: the queue's messages then reach the uploader in one batch, or in batches
    // one after another, so the batch sizes below are predictable.
    e2e = await startE2eStack({
      trigger: { batchSize: 10, batchWindowMs: 300, concurrency: 1 },
      onTriggerEvent: (event) => {
        if (event.type === 'delivered') queueBatches.push(event.messageIds.length);
      },
    });
    down = await startE2eStack({
      bundlesDir: e2e.bundlesDir,
      build: false,
      trigger: false,
      uploaderEnv: {
        CALLBACK_URL: `http://127.0.0.1:${await closedPort()}/oss/callback`,
        UPLOAD_MULTIPART_THRESHOLD_BYTES: String(512 * 1024),
        UPLOAD_PART_SIZE_BYTES: String(256 * 1024),
      },
    });
  });
  after(async () => {
    await down?.close();
    await e2e?.close();
  });

  test('a job invoked twice, one after the other: one upload, one record, deliveries 2', async () => {
    const { stack } = e2e;
    const job: Job = { jobId: 'dup-invoke-1', source: { text: 'twice\n' }, target: { key: 'dup/invoke twice.txt' }, vars: { n: '1' } };
    stack.oss.resetRequestCounts();
    const first = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    assert.equal(summaryOf(first.payload).jobs[0]?.outcome, 'uploaded');
    const second = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    assert.equal(summaryOf(second.payload).jobs[0]?.outcome, 'skipped_already_uploaded');
    const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 2);
    assert.equal(record.status, 'uploaded');
    assert.equal(record.recordedBy, 'callback');
    assert.equal(record.deliveries, 2);
    assert.equal(stack.oss.requestCounts().PutObject, 1);
  });

  test('a job sent twice through the queue, in one batch: one upload, one record, deliveries 2', async () => {
    const { stack } = e2e;
    const job: Job = { jobId: 'dup-queue-1', source: { text: 'twice through the queue\n' }, target: { key: 'dup/queue twice.txt' } };
    const other: Job = { jobId: 'dup-queue-other', source: { text: 'another job\n' }, target: { key: 'dup/other.txt' } };
    stack.oss.resetRequestCounts();
    await sendToQueue(stack, job);
    await sendToQueue(stack, other);
    await sendToQueue(stack, job);
    const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 2);
    await waitForRecord(stack, other.jobId, (r) => r.deliveries >= 1);
    assert.equal(record.status, 'uploaded');
    assert.equal(record.deliveries, 2);
    assert.equal(stack.oss.requestCounts().PutObject, 2, 'one upload per job');
    assert.deepEqual(queueBatches, [3], 'the three messages came in one batch');
  });

  test('callback server down: object stored, record stored_unconfirmed by the uploader with the HEAD etag and size', async () => {
    const { stack } = down;
    const jobs: Job[] = [
      { jobId: 'down-put-1', source: { text: 'nobody is listening\n' }, target: { key: 'down/put 1+.txt' }, vars: { why: 'down' } },
      { jobId: 'down-multipart-1', source: { url: stack.sources.generatedUrl(1024 * 1024 + 7) }, target: { key: 'down/multipart.bin' } },
    ];
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(jobs)));
    assert.equal(result.ok, true, result.payload.toString());
    assert.deepEqual(summaryOf(result.payload).jobs.map((j) => [j.jobId, j.outcome, j.reason]), [
      ['down-put-1', 'stored_unconfirmed', 'callback_failed'],
      ['down-multipart-1', 'stored_unconfirmed', 'callback_failed'],
    ]);
    for (const job of jobs) {
      const record = await waitForRecord(stack, job.jobId);
      const head = await headObject(stack.ossClient, job.target.key);
      assert.equal(record.status, 'stored_unconfirmed');
      assert.equal(record.recordedBy, 'uploader');
      assert.equal(record.etag, head.etag, `${job.jobId}: etag as HEAD gives it`);
      assert.equal(record.size, head.size);
      assert.equal(record.deliveries, 1);
      assert.match(record.error ?? '', /callback/i);
      assert.deepEqual(record.vars, job.vars);
    }
    assert.equal((await stack.store.getRecord('down-put-1'))?.operation, 'PutObject');
    const multipart = await stack.store.getRecord('down-multipart-1');
    assert.equal(multipart?.operation, 'CompleteMultipartUpload');
    assert.equal(multipart?.size, 1024 * 1024 + 7);
    assert.match(multipart?.etag ?? '', /-5$/);
  });

  test('a poison job in a batch does not stop the others; the invocation succeeds', async () => {
    const { stack } = e2e;
    const good1: Job = { jobId: 'poison-good-1', source: { text: 'good 1\n' }, target: { key: 'poison/good 1.txt' } };
    const good2: Job = { jobId: 'poison-good-2', source: { base64: Buffer.from('good 2\n').toString('base64') }, target: { key: 'poison/good 2.txt' } };
    const missing: Job = { jobId: 'poison-missing-source', source: { url: stack.sources.fileUrl('no-such-file.txt') }, target: { key: 'poison/missing.txt' } };
    const events = [
      mnsCloudEvent(JSON.stringify(good1), 'm-1'),
      mnsCloudEvent('{"jobId": "poison-unparseable", this is not JSON', 'm-2'),
      mnsCloudEvent(JSON.stringify({ jobId: 'poison-invalid', source: {}, target: { key: 'poison/never.txt' } }), 'm-3'),
      mnsCloudEvent(Buffer.from(JSON.stringify(good2)).toString('base64'), 'm-4'),
      mnsCloudEvent(JSON.stringify(missing), 'm-5'),
    ];
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(events)));
    assert.equal(result.ok, true, result.payload.toString());
    const summary = summaryOf(result.payload);
    assert.deepEqual(summary.jobs.map((j) => [j.messageId, j.jobId, j.outcome]), [
      ['m-1', 'poison-good-1', 'uploaded'],
      ['m-2', 'invalid-m-2', 'invalid'],
      ['m-3', 'poison-invalid', 'invalid'],
      ['m-4', 'poison-good-2', 'uploaded'],
      ['m-5', 'poison-missing-source', 'failed'],
    ]);

    for (const job of [good1, good2]) {
      const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 1);
      assert.equal(record.status, 'uploaded');
      assert.equal(record.recordedBy, 'callback');
    }
    const invalid = await waitForRecord(stack, 'poison-invalid');
    assert.equal(invalid.status, 'failed');
    assert.equal(invalid.recordedBy, 'uploader');
    assert.match(invalid.error ?? '', /source/);
    const missingRecord = await waitForRecord(stack, missing.jobId);
    assert.equal(missingRecord.status, 'failed');
    assert.match(missingRecord.error ?? '', /404/);
    await assert.rejects(stack.ossClient.head('poison/missing.txt'), { status: 404 });
    // The JSON text that never parsed has no usable job id: it is recorded under its message id.
    assert.equal(await stack.store.getRecord('poison-unparseable'), undefined);
    const unparseable = await waitForRecord(stack, 'invalid-m-2');
    assert.equal(unparseable.status, 'failed');
    assert.equal(unparseable.reason, 'invalid_job_id');
    assert.equal(unparseable.deliveries, 1);
  });

  test('the same job in two invocations at once: uploaded once; the other delivery uploads nothing and comes again', async () => {
    const { stack } = e2e;
    const source = await startGatedSource('two invocations at once\n');
    try {
      const job: Job = { jobId: 'dup-concurrent-1', source: { url: `${source.url}/a.txt` }, target: { key: 'dup/concurrent.txt' } };
      const event = Buffer.from(JSON.stringify(job));
      stack.oss.resetRequestCounts();
      const first = stack.fc.invoke('uploader', event);
      // The first invocation has claimed the job and is reading its source.
      await source.arrived(1);
      const second = await stack.fc.invoke('uploader', event);
      assert.equal(second.ok, false, `the invocation fails, so the queue or FC delivers it again: ${second.payload.toString()}`);
      assert.match(second.error?.errorMessage ?? '', /dup-concurrent-1/);
      source.release();
      const done = await first;
      assert.equal(done.ok, true, done.payload.toString());
      assert.equal(summaryOf(done.payload).jobs[0]?.outcome, 'uploaded');
      assert.equal(stack.oss.requestCounts().PutObject, 1, 'one upload');
      // Delivered again later: counted, not uploaded, the source not even fetched.
      const again = await stack.fc.invoke('uploader', event);
      assert.equal(summaryOf(again.payload).jobs[0]?.outcome, 'skipped_already_uploaded');
      assert.equal(stack.oss.requestCounts().PutObject, 1);
      const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 2);
      assert.equal(record.status, 'uploaded');
      assert.equal(record.deliveries, 2);
    } finally {
      await source.close();
    }
  });
});
