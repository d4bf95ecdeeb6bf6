// processDeliveries with an in-memory store and a scripted OSS client: bounded
// concurrency, one job's transient failure not stopping the others, store failures, and
// a 200 from a callback that wrote nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveriesFromEvent } from '../../lib/jobs/delivery';
import { setLogSink, type LogSink } from '../../lib/log';
import type { OssObjectClient } from '../../lib/oss/client';
import type { JobRecord, Outcome } from '../../lib/records/record';
import { StoreError } from '../../lib/store/errors';
import type { UploadSettings } from '../../lib/uploader/config';
import { BatchIncompleteError, processDeliveries, type ProcessDeps, type UploaderStore } from '../../lib/uploader/process';

const SETTINGS: UploadSettings = {
  multipartThresholdBytes: 1024,
  partSizeBytes: 102400,
  partConcurrency: 2,
  retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
  source: { timeoutMs: 1000, maxRedirects: 0, addresses: { allowPrivate: false, allowMetadata: false } },
};

/** Records in a Map; `countDelivery` fails like the real store when there is no row. */
class MemoryStore implements UploaderStore {
  readonly rows = new Map<string, JobRecord>();
  failReads = false;

  async getRecord(jobId: string): Promise<JobRecord | undefined> {
    if (this.failReads) throw new StoreError('unavailable', 'Tablestore is down');
    return this.rows.get(jobId);
  }

  async record(outcome: Outcome, options: { countDelivery?: boolean } = {}) {
    const existing = this.rows.get(outcome.jobId);
    const record: JobRecord = { ...existing, ...outcome, deliveries: (existing?.deliveries ?? 0) + (options.countDelivery ? 1 : 0), createdAt: 0, updatedAt: 0 };
    this.rows.set(outcome.jobId, record);
    return { record, applied: true };
  }

  async countDelivery(jobId: string): Promise<void> {
    const row = this.rows.get(jobId);
    if (!row) throw new StoreError('not_found', `job ${jobId} has no record`);
    row.deliveries += 1;
  }
}

/** PutObject that takes `delayMs`, tracks concurrency, and answers as `answer` says. */
function scriptedClient(store: MemoryStore, answer: (key: string) => 'record' | 'no-record' | '503', delayMs = 15) {
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
      if (mode === 'record') await store.record({ jobId, status: 'uploaded', recordedBy: 'callback' });
      return { data: { jobId, status: 'uploaded' }, res: { status: 200, headers: {} } };
    },
  } as unknown as OssObjectClient;
  return { client, stats };
}

function depsFor(store: MemoryStore, client: OssObjectClient, concurrency: number): ProcessDeps {
  return {
    store,
    concurrency,
    requestId: 'req-unit',
    upload: { ossFor: () => client, settings: SETTINGS, defaultBucket: 'bucket', callbackUrl: 'https://cb.example.com/cb', tokenSecrets: ['unit-test-secret-0123456789'] },
  };
}

function jobs(ids: string[]): Buffer {
  return Buffer.from(JSON.stringify(ids.map((jobId) => ({ jobId, source: { text: jobId }, target: { key: `${jobId}.txt` } }))));
}

let lines: string[] = [];
let previousSink: LogSink;
before(() => {
  previousSink = setLogSink((line) => lines.push(line));
});
after(() => setLogSink(previousSink));

test('jobs run at most `concurrency` at a time, and each gets one log line', async () => {
  lines = [];
  const store = new MemoryStore();
  const { client, stats } = scriptedClient(store, () => 'record');
  const ids = Array.from({ length: 10 }, (_, i) => `job-${i}`);
  const summary = await processDeliveries(deliveriesFromEvent(jobs(ids)), depsFor(store, client, 3));
  assert.equal(stats.maxActive, 3);
  assert.equal(summary.counts.uploaded, 10);
  assert.deepEqual(summary.jobs.map((j) => j.index), [...ids.keys()]);
  for (const id of ids) assert.equal(store.rows.get(id)?.deliveries, 1);
  assert.equal(lines.length, 10);
  assert.ok(lines.every((l) => (JSON.parse(l) as { fn: string }).fn === 'uploader'));
});

test('the same job twice in one batch is uploaded once; the later deliveries wait and only count', async () => {
  const store = new MemoryStore();
  const { client, stats } = scriptedClient(store, () => 'record');
  const summary = await processDeliveries(deliveriesFromEvent(jobs(['dup', 'other', 'dup', 'dup'])), depsFor(store, client, 4));
  assert.deepEqual(summary.jobs.map((j) => [j.jobId, j.outcome]), [
    ['dup', 'uploaded'],
    ['other', 'uploaded'],
    ['dup', 'skipped_already_uploaded'],
    ['dup', 'skipped_already_uploaded'],
  ]);
  assert.equal(stats.puts, 2, 'one upload per job');
  assert.equal(stats.maxActive, 2, 'other jobs still run alongside');
  assert.equal(store.rows.get('dup')?.deliveries, 3);
  assert.equal(store.rows.get('other')?.deliveries, 1);
});

test('a job failing transiently does not stop the others; the batch fails after they finish', async () => {
  const store = new MemoryStore();
  const { client, stats } = scriptedClient(store, (key) => (key.startsWith('bad') ? '503' : 'record'));
  const error = await processDeliveries(deliveriesFromEvent(jobs(['bad-1', 'ok-1', 'ok-2', 'ok-3'])), depsFor(store, client, 2)).then(
    () => assert.fail('expected BatchIncompleteError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BatchIncompleteError);
  assert.deepEqual(error.summary.jobs.map((j) => j.outcome), ['retry_later', 'uploaded', 'uploaded', 'uploaded']);
  assert.equal(error.summary.counts.retry_later, 1);
  assert.equal(stats.puts, 3 + 3, 'three attempts for the bad job, one for each other');
  assert.equal(store.rows.has('bad-1'), false);
});

test('a store that is down fails the batch without uploading', async () => {
  const store = new MemoryStore();
  store.failReads = true;
  const { client, stats } = scriptedClient(store, () => 'record');
  await assert.rejects(processDeliveries(deliveriesFromEvent(jobs(['a', 'b'])), depsFor(store, client, 2)), (e: unknown) => {
    assert.ok(e instanceof BatchIncompleteError);
    assert.deepEqual(e.summary.jobs.map((j) => j.reason), ['unavailable', 'unavailable']);
    return true;
  });
  assert.equal(stats.puts, 0);
});

test('a 200 from a callback that recorded nothing is recorded stored_unconfirmed by the uploader', async () => {
  const store = new MemoryStore();
  const { client } = scriptedClient(store, () => 'no-record');
  const summary = await processDeliveries(deliveriesFromEvent(jobs(['lost'])), depsFor(store, client, 1));
  assert.equal(summary.jobs[0]!.outcome, 'stored_unconfirmed');
  assert.equal(summary.jobs[0]!.reason, 'callback_not_recorded');
  const row = store.rows.get('lost');
  assert.equal(row?.status, 'stored_unconfirmed');
  assert.equal(row?.recordedBy, 'uploader');
  assert.equal(row?.size, 4);
  assert.equal(row?.deliveries, 1);
});

test('callback variables too large for OSS make the job fail permanently, without an upload', async () => {
  const store = new MemoryStore();
  const { client, stats } = scriptedClient(store, () => 'record');
  const vars = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`v${String(i).padStart(2, '0')}_${'n'.repeat(40)}`, 'x']));
  const event = Buffer.from(JSON.stringify({ jobId: 'big-vars', source: { text: 'x' }, target: { key: 'big-vars.txt' }, vars }));
  const summary = await processDeliveries(deliveriesFromEvent(event), depsFor(store, client, 1));
  assert.equal(summary.jobs[0]!.outcome, 'failed');
  assert.equal(summary.jobs[0]!.reason, 'header_too_large');
  assert.equal(store.rows.get('big-vars')?.status, 'failed');
  assert.equal(stats.puts, 0);
});
