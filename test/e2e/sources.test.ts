// End to end through the real bundles on the local stack: a job of each source kind is
// uploaded with a real callback, verified by the callback bundle and recorded — through
// the MNS queue and trigger, through a direct invocation, and through the real
// @alicloud/fc2 client's asynchronous invocation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import FC from '@alicloud/fc2';
import type { Job } from '../../lib/jobs/job';
import type { BatchSummary } from '../../lib/uploader/process';
import type { LocalStack } from '../../local/stack';
import { headObject, sendToQueue, startE2eStack, waitForRecord, type E2eStack } from './support';

const FILES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'files');
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgaPgPAAIDAYAkYfWXAAAAAElFTkSuQmCC';

interface Case {
  job: Job;
  /** The bytes the object must hold. */
  content: Buffer;
}

/** One job of each source kind, keys with non-ASCII characters, spaces and '+'. */
async function casesFor(stack: LocalStack, route: string): Promise<Case[]> {
  const seedKey = `seed/${route}/原本 source+1.txt`;
  const seed = Buffer.from(`seed object for the ${route} route\n`);
  await stack.ossClient.put(seedKey, seed);
  const text = `テキスト via ${route}: ü & = + %\n`;
  return [
    {
      job: { jobId: `e2e-${route}-text`, source: { text }, target: { key: `e2e/${route}/日本語 テキスト+1.txt` }, contentType: 'text/plain; charset=utf-8', vars: { invoice: 'INV-42', note: 'ü & = + %' } },
      content: Buffer.from(text),
    },
    {
      job: { jobId: `e2e-${route}-base64`, source: { base64: PIXEL_PNG }, target: { key: `e2e/${route}/images/pixel a+b.png` }, contentType: 'image/png', vars: { kind: 'image' } },
      content: Buffer.from(PIXEL_PNG, 'base64'),
    },
    {
      job: { jobId: `e2e-${route}-url`, source: { url: stack.sources.fileUrl('report.csv') }, target: { key: `e2e/${route}/報告 2026+11.csv` }, vars: { origin: 'reporting' } },
      content: await readFile(path.join(FILES, 'report.csv')),
    },
    {
      job: { jobId: `e2e-${route}-oss`, source: { oss: { bucket: stack.bucket, key: seedKey } }, target: { key: `e2e/${route}/copie de la source+.txt` }, vars: { copied: 'yes' } },
      content: seed,
    },
  ];
}

/** The record the callback bundle wrote agrees with the object OSS holds. */
async function assertUploaded(stack: LocalStack, { job, content }: Case): Promise<void> {
  const record = await waitForRecord(stack, job.jobId, (r) => r.status === 'uploaded' && r.deliveries >= 1);
  const head = await headObject(stack.ossClient, job.target.key);
  assert.equal(record.recordedBy, 'callback', job.jobId);
  assert.equal(record.bucket, stack.bucket);
  assert.equal(record.object, job.target.key);
  assert.equal(record.size, head.size, `${job.jobId}: size`);
  assert.equal(record.size, content.length, `${job.jobId}: size of the source`);
  assert.equal(record.etag, head.etag, `${job.jobId}: etag`);
  assert.deepEqual(record.vars, job.vars, `${job.jobId}: vars`);
  assert.equal(record.operation, 'PutObject');
  assert.equal(record.deliveries, 1);
  assert.equal(record.error, undefined);
  const stored = await stack.ossClient.get(job.target.key);
  assert.deepEqual(stored.content, content, `${job.jobId}: content`);
}

describe('e2e: every source kind uploaded, called back, verified and recorded', () => {
  let e2e: E2eStack;

  before(async () => {
    e2e = await startE2eStack({ trigger: { batchSize: 10, batchWindowMs: 100 } });
  });
  after(() => e2e?.close());

  test('through the MNS queue and trigger (Base64 message bodies)', async () => {
    const { stack } = e2e;
    const cases = await casesFor(stack, 'queue');
    for (const c of cases) await sendToQueue(stack, c.job);
    for (const c of cases) await assertUploaded(stack, c);
  });

  test('through a direct invocation with an array of jobs; the summary says uploaded', async () => {
    const { stack } = e2e;
    const cases = await casesFor(stack, 'invoke');
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(cases.map((c) => c.job))));
    assert.equal(result.ok, true, result.payload.toString());
    const summary = JSON.parse(result.payload.toString()) as BatchSummary;
    assert.equal(summary.total, 4);
    assert.equal(summary.counts.uploaded, 4);
    assert.deepEqual(summary.jobs.map((j) => j.jobId), cases.map((c) => c.job.jobId));
    for (const c of cases) await assertUploaded(stack, c);
  });

  test('through the real @alicloud/fc2 client, asynchronous invocation', async () => {
    const { stack } = e2e;
    const [textCase] = await casesFor(stack, 'fc2');
    const client = new FC(stack.fc.accountId, stack.fc.fc2Options());
    const res = await client.invokeFunction(stack.fc.service, 'uploader', JSON.stringify(textCase!.job), { 'x-fc-invocation-type': 'Async' });
    assert.match(String(res.headers['x-fc-request-id']), /.+/);
    await assertUploaded(stack, textCase!);
    await stack.fc.asyncIdle();
    assert.deepEqual(stack.fc.stats().async, { ...stack.fc.stats().async, pending: 0, failed: 0, succeeded: 1 });
  });
});
