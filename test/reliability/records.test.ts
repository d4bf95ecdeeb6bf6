/**
 * Records under stress, through the built bundles on the local stack:
 *
 * - poison batches: batches of 3 jobs that can never be sent (header-unsafe metadata or
 *   contentType, unusable or missing job ids, bodies that are not JSON) and 1 good job go
 *   through the MNS queue and trigger: every delivery ends in a record, the good job is
 *   `uploaded` with `deliveries` 1, and no batch is delivered again;
 * - store calls: a batch of fresh jobs costs one batched claim, one batched count and the
 *   callback's one write per job; the same batch delivered again two batched calls;
 * - concurrent duplicates: each job invoked three times at once through the FC host is
 *   uploaded once; the two other invocations fail with `job_in_progress` and, delivered
 *   again, only count themselves;
 * - a lease outliving a killed invocation is taken over once it ends;
 * - replays and substitutions: callbacks captured on their way from the OSS emulator to
 *   the callback function, replayed, and a second upload of the same key with the job's own
 *   token and other content, which the OSS emulator signs: all answered 200 with the stored
 *   record, and the record does not change.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import type { Job } from '../../lib/jobs/job';
import { invalidIdForMessage } from '../../lib/jobs/invalid-id';
import type { JobRecord } from '../../lib/records/record';
import { primaryKeyOf } from '../../lib/store/row';
import { callbackHeadersFor } from '../../lib/uploader/callback-params';
import type { BatchSummary } from '../../lib/uploader/process';
import type { TriggerEvent } from '../../local/trigger/index';
import { startGatedSource } from '../support/gated-source';
import { closeAgent, sendRaw, startReliabilityStack, waitFor, type ReliabilityStack } from './harness';
import { startCallbackGate, type CallbackGate } from './proxies';

let rs: ReliabilityStack;
let gate: CallbackGate;
const batchSizes: number[] = [];
const report: string[] = [];

function onTriggerEvent(event: TriggerEvent): void {
  if (event.type === 'delivered') batchSizes.push(event.messageIds.length);
}

function summaryOf(payload: Buffer): BatchSummary {
  return JSON.parse(payload.toString()) as BatchSummary;
}

function textJob(jobId: string, extra: Partial<Job> = {}): Job {
  return { jobId, source: { text: `content of ${jobId}\n` }, target: { key: `records/${jobId}.txt` }, ...extra };
}

/** Waits until the queue is empty and nothing is running. */
async function idle(): Promise<void> {
  const { stack } = rs;
  await waitFor(
    'the pipeline to go idle',
    async () => {
      if (stack.trigger!.stats().inflight > 0 || gate.inflight() > 0) return undefined;
      const fns = stack.fc.stats().functions;
      if (fns.uploader!.busy + fns.uploader!.waiting + fns.callback!.busy + fns.callback!.waiting > 0) return undefined;
      const { body } = await stack.mnsClient.getQueueAttributes(stack.queue);
      if (Number(body.ActiveMessages) + Number(body.InactiveMessages) + Number(body.DelayMessages) > 0) return undefined;
      return true;
    },
    60_000,
    100,
  );
}

before(async () => {
  gate = await startCallbackGate();
  rs = await startReliabilityStack({
    instances: 8,
    // One poller and a batch window long enough that each batch sent at once arrives whole.
    trigger: { batchSize: 4, batchWindowMs: 1000, concurrency: 1, visibilityTimeoutSec: 10, maxDeliveries: 5 },
    onTriggerEvent,
    uploaderEnv: { CALLBACK_URL: `${gate.url}/oss/callback` },
  });
  gate.target = new URL(rs.stack.callbackUrl).origin;
});

after(async () => {
  for (const line of report) console.log(line);
  closeAgent();
  await rs?.close();
  await gate?.close();
});

describe('records: every delivery ends in one record, each job is uploaded once, a record is final', () => {
  test('poison batches (3 poison + 1 good each) through the queue: 3 failed records, 1 uploaded with deliveries 1, nothing delivered again', async () => {
    const { stack } = rs;
    const poisons: { label: string; body: (i: number) => string; reason: string; error: RegExp; byMessageId: boolean }[] = [
      { label: 'meta-cjk', body: (i) => JSON.stringify(textJob(`poison-cjk-${i}`, { metadata: { note: '发票' } })), reason: 'invalid_job', error: /metadata\.note cannot be sent in an HTTP header: U\+53D1/, byMessageId: false },
      { label: 'meta-nul', body: (i) => JSON.stringify(textJob(`poison-nul-${i}`, { metadata: { note: 'a\u0000b' } })), reason: 'invalid_job', error: /U\+0000/, byMessageId: false },
      { label: 'type-ctl', body: (i) => JSON.stringify(textJob(`poison-ctl-${i}`, { contentType: 'text/plain; x=\u0001' })), reason: 'invalid_job', error: /contentType cannot be sent/, byMessageId: false },
      { label: 'meta-name', body: (i) => JSON.stringify(textJob(`poison-name-${i}`, { metadata: { under_score: 'x' } })), reason: 'invalid_job', error: /metadata\.under_score: name/, byMessageId: false },
      { label: 'space-id', body: (i) => JSON.stringify(textJob(`space id ${i}`)), reason: 'invalid_job_id', error: /^jobId "space id \d+" is not/, byMessageId: true },
      { label: 'no-id', body: () => JSON.stringify({ source: { text: 'x' }, target: { key: 'k' } }), reason: 'invalid_job_id', error: /^jobId is missing$/, byMessageId: true },
      { label: 'not-json', body: (i) => `not a job ${i} {`, reason: 'invalid_job_id', error: /^jobId is missing: the message body is Base64, but not of a JSON object$/, byMessageId: true },
    ];
    const batches = 7;
    const before = stack.trigger!.stats();
    const sizesBefore = batchSizes.length;
    const expected: { recordId: string; reason: string; error: RegExp }[] = [];
    const good: string[] = [];
    for (let b = 0; b < batches; b += 1) {
      const kinds = [poisons[b % poisons.length]!, poisons[(b + 2) % poisons.length]!, poisons[(b + 4) % poisons.length]!];
      const goodId = `poison-batch-good-${b}`;
      good.push(goodId);
      const messages = [...kinds.map((k) => k.body(b)), JSON.stringify(textJob(goodId))];
      // Good job in a different place each time.
      messages.splice(b % 4, 0, messages.pop()!);
      const { body } = await stack.mnsClient.batchSendMessage(
        stack.queue,
        messages.map((m) => ({ MessageBody: Buffer.from(m, 'utf8').toString('base64') })),
      );
      messages.forEach((m, i) => {
        const kind = kinds.find((k) => k.body(b) === m);
        if (!kind) return;
        const recordId = kind.byMessageId ? invalidIdForMessage(body[i]!.MessageId) : (JSON.parse(m) as Job).jobId;
        expected.push({ recordId, reason: kind.reason, error: kind.error });
      });
      await idle();
    }

    const after = stack.trigger!.stats();
    const problems: string[] = [];
    for (const e of expected) {
      const record = await stack.store.getRecord(e.recordId);
      if (record?.status !== 'failed' || record.reason !== e.reason || !e.error.test(record.error ?? '') || record.deliveries !== 1) {
        problems.push(`${e.recordId}: ${JSON.stringify(record)}`);
      }
    }
    for (const id of good) {
      const record = await stack.store.getRecord(id);
      if (record?.status !== 'uploaded' || record.deliveries !== 1) problems.push(`${id}: ${JSON.stringify(record)}`);
    }
    const dlq = (await stack.mnsClient.getQueueAttributes(stack.deadLetterQueue)).body;
    report.push(
      `poison batches: ${batches} batches of 4 (sizes ${JSON.stringify(batchSizes.slice(sizesBefore))}); ${expected.length} poison → failed, ${good.length} good → uploaded; ` +
        `invocations ${after.invocations - before.invocations} (failed ${after.failedInvocations - before.failedInvocations}); messages received ${after.received - before.received} for ${batches * 4} sent; DLQ ${dlq.ActiveMessages}`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(batchSizes.slice(sizesBefore), Array(batches).fill(4), 'each batch arrived whole');
    assert.equal(after.failedInvocations - before.failedInvocations, 0, 'no invocation failed');
    assert.equal(after.received - before.received, batches * 4, 'no message delivered again');
    assert.equal(Number(dlq.ActiveMessages), 0);
  });

  test('store calls per batch: one batched claim and one batched count, plus the callback’s one write per job; a redelivered batch is two batched calls', async () => {
    const { stack } = rs;
    const jobs = Array.from({ length: 10 }, (_, i) => textJob(`calls-${i}`));
    const event = Buffer.from(JSON.stringify(jobs));
    stack.tablestore.resetRequestCounts();
    const first = await stack.fc.invoke('uploader', event);
    assert.equal(first.ok, true, first.payload.toString());
    const fresh = stack.tablestore.requestCounts();
    stack.tablestore.resetRequestCounts();
    const second = await stack.fc.invoke('uploader', event);
    assert.deepEqual(summaryOf(second.payload).counts.skipped_already_uploaded, jobs.length);
    const again = stack.tablestore.requestCounts();
    report.push(`store calls: 10 fresh jobs ${JSON.stringify(fresh)}; the same 10 delivered again ${JSON.stringify(again)}`);
    // The callback writes each record with exactly one conditional UpdateRow; the uploader's
    // claims and counts are one BatchWriteRow each for the whole batch.
    assert.deepEqual(fresh, { BatchWriteRow: 2, UpdateRow: jobs.length });
    // Delivered again: the claims are refused (uploaded) and the counts go in one batch.
    assert.deepEqual(again, { BatchWriteRow: 2 });
  });

  test('concurrent duplicates: each job invoked 3 times at once is uploaded once; the others fail with job_in_progress and later only count', async () => {
    const { stack } = rs;
    const rounds = 4;
    const perRound = 3;
    let held = 0;
    stack.oss.resetRequestCounts();
    const all: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const source = await startGatedSource('one upload only\n');
      try {
        const jobs = Array.from({ length: perRound }, (_, i) => ({ jobId: `concurrent-${round}-${i}`, source: { url: `${source.url}/${round}/${i}.txt` }, target: { key: `records/concurrent-${round}-${i}.txt` } }) as Job);
        all.push(...jobs.map((j) => j.jobId));
        const invocations = jobs.flatMap((job) => Array.from({ length: 3 }, () => stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)))));
        // One invocation per job claims it and waits at the source; the two others end at once.
        const settled = invocations.map(() => false);
        invocations.forEach((p, i) => void p.then(() => (settled[i] = true)));
        await source.arrived(perRound);
        await waitFor('the duplicates to be turned away', () => (settled.filter(Boolean).length >= 2 * perRound ? true : undefined), 30_000, 20);
        source.release();
        const results = await Promise.all(invocations);
        for (let j = 0; j < perRound; j += 1) {
          const mine = results.slice(3 * j, 3 * j + 3);
          const ok = mine.filter((r) => r.ok && summaryOf(r.payload).jobs[0]?.outcome === 'uploaded');
          const turnedAway = mine.filter((r) => !r.ok && /\(job_in_progress\)/.test(r.error?.errorMessage ?? ''));
          assert.equal(ok.length, 1, `${jobs[j]!.jobId}: ${mine.map((r) => r.payload.toString()).join(' | ')}`);
          assert.equal(turnedAway.length, 2, `${jobs[j]!.jobId}: ${mine.map((r) => r.error?.errorMessage).join(' | ')}`);
          held += turnedAway.length;
        }
      } finally {
        await source.close();
      }
    }
    assert.equal(stack.oss.requestCounts().PutObject, all.length, 'one upload per job');
    // The turned-away deliveries come again (as the queue or FC's async retry would send them).
    for (const jobId of all) {
      const again = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify({ jobId, source: { url: 'http://127.0.0.1:9/never-fetched' }, target: { key: `records/${jobId}.txt` } })));
      assert.equal(summaryOf(again.payload).jobs[0]?.outcome, 'skipped_already_uploaded');
    }
    for (const jobId of all) {
      const record = await stack.store.getRecord(jobId);
      assert.equal(record?.status, 'uploaded');
      assert.equal(record?.deliveries, 2, `${jobId}: the upload and one redelivery`);
    }
    assert.equal(stack.oss.requestCounts().PutObject, all.length, 'redeliveries uploaded nothing');
    report.push(`concurrent duplicates: ${all.length} jobs × 3 simultaneous invocations → ${stack.oss.requestCounts().PutObject} PutObject, ${held} invocations turned away (job_in_progress)`);
  });

  test('replays and substitutions through the OSS emulator: 200 with the stored record, nothing written', async () => {
    const { stack } = rs;
    const job = textJob('replayed-1', { vars: { invoice: 'INV-7' } });
    const first = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    assert.equal(summaryOf(first.payload).jobs[0]?.outcome, 'uploaded', first.payload.toString());
    const stored = (await stack.store.getRecord(job.jobId)) as JobRecord;
    const captured = gate.events.filter((e) => e.jobId === job.jobId);
    assert.equal(captured.length, 1, 'one callback went through');
    const expectedAnswer = { jobId: job.jobId, status: 'uploaded', etag: stored.etag, size: stored.size };

    // Replays of the captured callback, straight to the callback function, 5 at once.
    stack.tablestore.resetRequestCounts();
    const origin = new URL(stack.callbackUrl).origin;
    const replays = await Promise.all(Array.from({ length: 5 }, () => sendRaw(origin, captured[0]!.request)));
    for (const r of replays) {
      assert.equal(r.status, 200, r.body.toString());
      assert.deepEqual(JSON.parse(r.body.toString()), expectedAnswer);
    }
    assert.deepEqual(stack.tablestore.requestCounts(), { UpdateRow: 10, GetRow: 5 }, 'two refused conditional writes and one read per replay');
    assert.deepEqual(await stack.store.getRecord(job.jobId), stored);

    // Substitution: the job's own token on a second upload of the key with other content.
    // OSS signs the callback it makes (another etag and size): verified, and still refused.
    const headers = callbackHeadersFor({ jobId: job.jobId, bucket: stack.bucket, key: job.target.key, vars: job.vars ?? {}, callbackUrl: `${gate.url}/oss/callback`, tokenSecrets: [stack.tokenSecret] });
    const other = Buffer.from('substituted content, another size and etag\n');
    const put = await stack.ossClient.put(job.target.key, other, { headers: { ...headers } });
    assert.equal(put.res.status, 200);
    assert.deepEqual(put.data, expectedAnswer, 'OSS passes back the stored record');
    const substituted = gate.events.filter((e) => e.jobId === job.jobId)[1]!;
    assert.match(substituted.request.body.toString(), new RegExp(`size=${other.length}`), 'the signed callback did carry the other size');
    assert.deepEqual(await stack.store.getRecord(job.jobId), stored, 'the record still holds what the first verified callback proved');
    report.push(`replays: 5 replays + 1 substitution of an uploaded job answered 200 with the stored record; store calls for the replays ${JSON.stringify({ UpdateRow: 10, GetRow: 5 })}, none applied`);
  });

  test('a lease held by an invocation FC killed at its timeout is taken over once it ends', async () => {
    const killed = await startReliabilityStack({ trigger: false, uploaderTimeoutMs: 3000 });
    const source = await startGatedSource('taken over\n');
    try {
      const { stack } = killed;
      const job: Job = { jobId: 'takeover-1', source: { url: `${source.url}/t.txt` }, target: { key: 'records/takeover.txt' } };
      const event = Buffer.from(JSON.stringify(job));
      const startedAt = Date.now();
      const first = await stack.fc.invoke('uploader', event);
      assert.equal(first.ok, false);
      assert.equal(first.failure, 'timeout', 'FC ended the invocation at its timeout, lease held');
      const env = stack.endpoints;
      const raw = new TableStore.Client({ accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID!, secretAccessKey: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET!, endpoint: env.TABLESTORE_ENDPOINT!, instancename: env.TABLESTORE_INSTANCE!, maxRetries: 0 });
      const { row } = await raw.getRow({ tableName: stack.table, primaryKey: primaryKeyOf(job.jobId), maxVersions: 1 });
      const until = Number(row?.attributes?.find((a) => a.columnName === 'lease_until')?.columnValue);
      assert.ok(until >= startedAt + 3000, 'the lease lasts at least as long as the invocation may');
      assert.equal(await stack.store.getRecord(job.jobId), undefined, 'a lease is no record');
      await waitFor('the lease to end', () => (Date.now() > until ? true : undefined), 15_000, 50);
      source.release();
      const second = await stack.fc.invoke('uploader', event);
      assert.equal(second.ok, true, second.payload.toString());
      assert.equal(summaryOf(second.payload).jobs[0]?.outcome, 'uploaded');
      const record = await stack.store.getRecord(job.jobId);
      assert.equal(record?.status, 'uploaded');
      assert.equal(record?.deliveries, 1, 'the killed delivery was never counted');
      assert.equal(stack.oss.requestCounts().PutObject, 1);
      report.push(`takeover: a lease left by an invocation killed at its 3 s timeout (lease until start + ${until - startedAt} ms) was taken over after it ended; 1 upload`);
    } finally {
      await source.close();
      await killed.close();
    }
  });
});
