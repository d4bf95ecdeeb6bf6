// processDeliveries with the record store on the Tablestore emulator (real SDK) and a
// scripted OSS client: bounded concurrency, one job's transient failure not stopping the
// others, store failures, a 200 from a callback that wrote nothing, invalid deliveries
// recorded, and the lease that keeps another invocation from uploading the same job.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveriesFromEvent } from '../../../lib/jobs/delivery';
import { setLogSink, type LogSink } from '../../../lib/log';
import type { OssObjectClient } from '../../../lib/uploader/oss-client';
import type { RecordStore } from '../../../lib/store/store';
import type { UploadSettings } from '../../../lib/uploader/config';
import { BatchIncompleteError, processDeliveries, type ProcessDeps } from '../../../lib/uploader/process';
import { freshJobId, startEmulator, storeFor, type Emulator } from '../../support/store';

const SETTINGS: UploadSettings = {
  multipartThresholdBytes: 1024,
  partSizeBytes: 102400,
  partConcurrency: 2,
  retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
  source: { timeoutMs: 1000, maxRedirects: 0, addresses: { allowPrivate: false, allowMetadata: false } },
};

let emulator: Emulator;
let store: RecordStore;

/** PutObject that takes `delayMs`, tracks concurrency, and answers as `answer` says. */
function scriptedClient(answer: (key: string) => 'record' | 'no-record' | '503', delayMs = 15) {
  const stats = { active: 0, maxActive: 0, puts: 0 };
  const client = {
    async put(key: string) {
      stats.puts += 1;
      stats.active += 1;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      stats.active -= 1;
      const mode = answer(key);
      if (mode === '503') throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailableError', status: 503, code: 'ServiceUnavailable' });
      const jobId = key.replace(/\.txt$/, '');
      // What the callback function does when OSS calls it.
      if (mode === 'record') await store.record({ jobId, status: 'uploaded', recordedBy: 'callback', size: 1 });
      return { data: { jobId, status: 'uploaded' }, res: { status: 200, headers: {} } };
    },
  } as unknown as OssObjectClient;
  return { client, stats };
}

function depsFor(client: OssObjectClient, concurrency: number, requestId = 'req-unit'): ProcessDeps {
  return {
    store,
    concurrency,
    requestId,
    upload: { ossFor: () => client, settings: SETTINGS, defaultBucket: 'bucket', callbackUrl: 'https://cb.example.com/cb', tokenSecrets: ['unit-test-secret-0123456789'] },
  };
}

function jobs(ids: string[]): Buffer {
  return Buffer.from(JSON.stringify(ids.map((jobId) => ({ jobId, source: { text: jobId }, target: { key: `${jobId}.txt` } }))));
}

let lines: string[] = [];
let previousSink: LogSink;
before(async () => {
  previousSink = setLogSink((line) => lines.push(line));
  emulator = await startEmulator();
  store = storeFor(emulator);
  await store.ensureTable();
});
after(async () => {
  setLogSink(previousSink);
  store.close();
  await emulator.close();
});

/** Job ids unique to this run, one per label. */
function ids(...labels: string[]): string[] {
  return labels.map((l) => freshJobId(l));
}

test('jobs run at most `concurrency` at a time, and each gets one log line', async () => {
  lines = [];
  // Uploads long enough that the store calls around them cannot keep them from overlapping.
  const { client, stats } = scriptedClient(() => 'record', 150);
  const jobIds = Array.from({ length: 10 }, (_, i) => freshJobId(`job-${i}`));
  const summary = await processDeliveries(deliveriesFromEvent(jobs(jobIds)), depsFor(client, 3));
  assert.equal(stats.maxActive, 3);
  assert.equal(summary.counts.uploaded, 10);
  assert.deepEqual(summary.jobs.map((j) => j.index), [...jobIds.keys()]);
  for (const id of jobIds) assert.equal((await store.getRecord(id))?.deliveries, 1);
  assert.equal(lines.length, 10);
  assert.ok(lines.every((l) => (JSON.parse(l) as { fn: string }).fn === 'uploader'));
});

test('the same job twice in one batch is uploaded once; the later deliveries wait and only count', async () => {
  const [dup, other] = ids('dup', 'other') as [string, string];
  const { client, stats } = scriptedClient(() => 'record', 150);
  const summary = await processDeliveries(deliveriesFromEvent(jobs([dup, other, dup, dup])), depsFor(client, 4));
  assert.deepEqual(summary.jobs.map((j) => [j.jobId, j.outcome]), [
    [dup, 'uploaded'],
    [other, 'uploaded'],
    [dup, 'skipped_already_uploaded'],
    [dup, 'skipped_already_uploaded'],
  ]);
  assert.equal(stats.puts, 2, 'one upload per job');
  assert.equal(stats.maxActive, 2, 'other jobs still run alongside');
  assert.equal((await store.getRecord(dup))?.deliveries, 3);
  assert.equal((await store.getRecord(other))?.deliveries, 1);
});

test('the same job in two invocations at once: one uploads, the other is told to come again and uploads nothing', async () => {
  const [job] = ids('concurrent') as [string];
  const { client, stats } = scriptedClient(() => 'record', 200);
  const [first, second] = await Promise.allSettled([
    processDeliveries(deliveriesFromEvent(jobs([job])), depsFor(client, 1, 'req-one')),
    new Promise((r) => setTimeout(r, 50)).then(() => processDeliveries(deliveriesFromEvent(jobs([job])), depsFor(client, 1, 'req-two'))),
  ]);
  assert.equal(first.status, 'fulfilled');
  assert.equal(second.status, 'rejected');
  const held = (second as PromiseRejectedResult).reason as BatchIncompleteError;
  assert.ok(held instanceof BatchIncompleteError);
  assert.equal(held.summary.jobs[0]!.outcome, 'retry_later');
  assert.equal(held.summary.jobs[0]!.reason, 'job_in_progress');
  assert.match(held.summary.jobs[0]!.error ?? '', /req-one/);
  assert.equal(stats.puts, 1, 'uploaded once');
  // When the queue delivers it again, the job is done: counted, not uploaded.
  const again = await processDeliveries(deliveriesFromEvent(jobs([job])), depsFor(client, 1, 'req-three'));
  assert.equal(again.jobs[0]!.outcome, 'skipped_already_uploaded');
  assert.equal(stats.puts, 1);
  assert.equal((await store.getRecord(job))?.deliveries, 2);
});

test('a job failing transiently does not stop the others; the batch fails after they finish, and the job is given back', async () => {
  const [bad, ok1, ok2, ok3] = ids('bad-1', 'ok-1', 'ok-2', 'ok-3') as [string, string, string, string];
  const { client, stats } = scriptedClient((key) => (key.startsWith('bad') ? '503' : 'record'));
  const error = await processDeliveries(deliveriesFromEvent(jobs([bad, ok1, ok2, ok3])), depsFor(client, 2)).then(
    () => assert.fail('expected BatchIncompleteError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BatchIncompleteError);
  assert.deepEqual(error.summary.jobs.map((j) => j.outcome), ['retry_later', 'uploaded', 'uploaded', 'uploaded']);
  assert.equal(error.summary.counts.retry_later, 1);
  assert.equal(stats.puts, 3 + 3, 'three attempts for the bad job, one for each other');
  assert.equal(await store.getRecord(bad), undefined);
  // Released: another invocation may take it at once, without waiting for the lease to end.
  assert.deepEqual(await store.claim(bad, { owner: 'req-next', until: Date.now() + 60_000 }), { kind: 'claimed' });
});

test('a store that is down fails the batch without uploading', async () => {
  const { client, stats } = scriptedClient(() => 'record');
  emulator.faults.inject({ operation: '*', count: 100, status: 503, code: 'OTSServerUnavailable' });
  try {
    await assert.rejects(processDeliveries(deliveriesFromEvent(jobs(ids('a', 'b'))), depsFor(client, 2)), (e: unknown) => {
      assert.ok(e instanceof BatchIncompleteError);
      assert.deepEqual(e.summary.jobs.map((j) => j.reason), ['unavailable', 'unavailable']);
      return true;
    });
  } finally {
    emulator.faults.clear();
  }
  assert.equal(stats.puts, 0);
});

test('a 200 from a callback that recorded nothing is recorded stored_unconfirmed by the uploader', async () => {
  const [lost] = ids('lost') as [string];
  const { client } = scriptedClient(() => 'no-record');
  const summary = await processDeliveries(deliveriesFromEvent(jobs([lost])), depsFor(client, 1));
  assert.equal(summary.jobs[0]!.outcome, 'stored_unconfirmed');
  assert.equal(summary.jobs[0]!.reason, 'callback_not_recorded');
  const row = await store.getRecord(lost);
  assert.equal(row?.status, 'stored_unconfirmed');
  assert.equal(row?.recordedBy, 'uploader');
  assert.equal(row?.reason, 'callback_not_recorded');
  assert.equal(row?.size, Buffer.byteLength(lost));
  assert.equal(row?.deliveries, 1);
});

test('callback variables too large for OSS make the job fail permanently, without an upload', async () => {
  const [jobId] = ids('big-vars') as [string];
  const { client, stats } = scriptedClient(() => 'record');
  const vars = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`v${String(i).padStart(2, '0')}_${'n'.repeat(40)}`, 'x']));
  const event = Buffer.from(JSON.stringify({ jobId, source: { text: 'x' }, target: { key: 'big-vars.txt' }, vars }));
  const summary = await processDeliveries(deliveriesFromEvent(event), depsFor(client, 1));
  assert.equal(summary.jobs[0]!.outcome, 'failed');
  assert.equal(summary.jobs[0]!.reason, 'header_too_large');
  const record = await store.getRecord(jobId);
  assert.equal(record?.status, 'failed');
  assert.equal(record?.reason, 'header_too_large');
  assert.equal(stats.puts, 0);
});

test('every delivery ends in a record: invalid jobs and ids included, none retried', async () => {
  const [badMeta] = ids('bad-meta') as [string];
  const { client, stats } = scriptedClient(() => 'record');
  const entries = [
    { jobId: badMeta, source: { text: 'x' }, target: { key: 'k.txt' }, metadata: { note: '发票' } },
    { jobId: 'space id', source: { text: 'x' }, target: { key: 'k.txt' } },
    { source: { text: 'x' }, target: { key: 'k.txt' } },
  ];
  const event = Buffer.from(JSON.stringify(entries));
  const deliveries = deliveriesFromEvent(event);
  const summary = await processDeliveries(deliveries, depsFor(client, 2));
  assert.deepEqual(summary.jobs.map((j) => [j.outcome, j.reason]), [
    ['invalid', 'invalid_job'],
    ['invalid', 'invalid_job_id'],
    ['invalid', 'invalid_job_id'],
  ]);
  assert.equal(stats.puts, 0);
  const meta = await store.getRecord(badMeta);
  assert.equal(meta?.status, 'failed');
  assert.match(meta?.error ?? '', /metadata\.note cannot be sent in an HTTP header: U\+53D1/);
  const [spaceId, noId] = [deliveries[1]!.recordId, deliveries[2]!.recordId];
  assert.match(spaceId, /^invalid-[0-9a-f]{16}\.1$/);
  assert.match(noId, /^invalid-[0-9a-f]{16}\.2$/);
  const space = await store.getRecord(spaceId);
  assert.equal(space?.status, 'failed');
  assert.equal(space?.reason, 'invalid_job_id');
  assert.equal(space?.deliveries, 1);
  assert.match(space?.error ?? '', /^jobId "space id" is not/);
  assert.match((await store.getRecord(noId))?.error ?? '', /^jobId is missing/);
  // The same event delivered again: the same records, one more delivery each.
  await processDeliveries(deliveriesFromEvent(event), depsFor(client, 2));
  assert.equal((await store.getRecord(spaceId))?.deliveries, 2);
});
