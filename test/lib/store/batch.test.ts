// Batched claims and delivery counts (lib/store/batch-claim.ts, batch-write.ts) through the
// real `tablestore` SDK against the emulator: one BatchWriteRow per batch, rows decided one
// by one, partial failures retried row by row where that is safe and reported where not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordStore } from '../../../lib/store/store';
import { freshJobId, startEmulator, storeFor, type Emulator } from '../../support/store';

const MINUTE = 60_000;

describe('RecordStore batched claims and counts', () => {
  let emulator: Emulator;
  let store: RecordStore;

  before(async () => {
    emulator = await startEmulator();
    store = storeFor(emulator);
    await store.ensureTable();
  });
  after(async () => {
    emulator.faults.clear();
    store.close();
    await emulator.close();
  });

  const ids = (label: string, n: number) => Array.from({ length: n }, () => freshJobId(label));
  const kinds = (claims: Awaited<ReturnType<RecordStore['claimMany']>>, jobIds: string[]) =>
    jobIds.map((id) => {
      const c = claims.get(id)!;
      return c.ok ? c.value.kind : `error:${c.error.code ?? c.error.reason}`;
    });

  async function upload(jobId: string): Promise<void> {
    await store.record({ jobId, status: 'uploaded', recordedBy: 'callback', bucket: 'b', object: `k/${jobId}`, size: 1 });
  }

  test('fresh jobs: every claim in one BatchWriteRow', async () => {
    const jobs = ids('fresh', 16);
    emulator.resetRequestCounts();
    const claims = await store.claimMany(jobs, { owner: 'req-a', until: Date.now() + MINUTE });
    assert.deepEqual(kinds(claims, jobs), Array(16).fill('claimed'));
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 1 });
    // 16 conditional writes of a small row: 1 write CU and 1 read CU (the condition) each.
    assert.deepEqual(emulator.capacityUnits(), { read: 16, write: 16 });
  });

  test('a batch of uploaded, held and fresh jobs: uploaded ones counted in a second batch, only the held one read', async () => {
    const [done, held, fresh] = ids('mixed', 3) as [string, string, string];
    const until = Date.now() + MINUTE;
    await store.claim(done, { owner: 'req-old', until });
    await upload(done);
    await store.claim(held, { owner: 'req-other', until });
    emulator.resetRequestCounts();
    const claims = await store.claimMany([done, held, fresh], { owner: 'req-b', until });
    assert.deepEqual(kinds(claims, [done, held, fresh]), ['uploaded', 'held', 'claimed']);
    const heldClaim = claims.get(held)!;
    assert.ok(heldClaim.ok && heldClaim.value.kind === 'held' && heldClaim.value.lease?.owner === 'req-other');
    // Claims (1), counts of the refused two (1), then the single-row path for the held job:
    // claim + count again (2 UpdateRow) and the read that names the holder.
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 2, UpdateRow: 2, GetRow: 1 });
    assert.equal((await store.getRecord(done))?.deliveries, 1, 'the redelivery of the uploaded job was counted once');
  });

  test('a row refused for load is sent again on its own; the others are not repeated', async () => {
    const jobs = ids('busy', 5);
    emulator.faults.inject({ operation: 'BatchWriteRow:row', count: 2, status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    emulator.resetRequestCounts();
    const claims = await store.claimMany(jobs, { owner: 'req-c', until: Date.now() + MINUTE });
    assert.deepEqual(kinds(claims, jobs), Array(5).fill('claimed'));
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 2 }, 'the first batch, then one with the two refused rows');
    // 5 applied claims + 2 refused rows that were never applied (not metered).
    assert.deepEqual(emulator.capacityUnits(), { read: 5, write: 5 });
  });

  test('a row that keeps failing becomes that job’s error after the store’s attempts', async () => {
    const [jobId] = ids('stuck', 1) as [string];
    // A row fault applies to the next rows of any request: 4 rows, the store's 4 attempts.
    emulator.faults.inject({ operation: 'BatchWriteRow:row', count: 4, status: 503, code: 'OTSPartitionUnavailable', message: 'The partition is not available.' });
    emulator.resetRequestCounts();
    const claims = await store.claimMany([jobId], { owner: 'req-d', until: Date.now() + MINUTE });
    assert.deepEqual(kinds(claims, [jobId]), ['error:OTSPartitionUnavailable']);
    const failed = claims.get(jobId)!;
    assert.ok(!failed.ok && failed.error.retryable, 'a transient row failure is retryable later');
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 4 });
  });

  test('counts: uploaded jobs counted and released, a job without its record left alone, in one BatchWriteRow', async () => {
    const jobs = ids('count', 4);
    const until = Date.now() + MINUTE;
    await store.claimMany(jobs, { owner: 'req-e', until });
    for (const jobId of jobs.slice(0, 3)) await upload(jobId);
    emulator.resetRequestCounts();
    const counted = await store.countUploadedMany(jobs);
    assert.deepEqual(
      jobs.map((id) => counted.get(id)),
      [true, true, true, false].map((value) => ({ ok: true, value })),
    );
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 1 });
    for (const jobId of jobs.slice(0, 3)) assert.equal((await store.getRecord(jobId))?.deliveries, 1);
    // The lease is gone from the counted jobs: another invocation finds them uploaded, not held.
    const again = await store.claimMany(jobs.slice(0, 3), { owner: 'req-f', until });
    assert.deepEqual(kinds(again, jobs.slice(0, 3)), ['uploaded', 'uploaded', 'uploaded']);
  });

  test('a count whose row failed ambiguously is not sent again (INCREMENT): that job reports the error', async () => {
    const jobs = ids('ambiguous', 2);
    await store.claimMany(jobs, { owner: 'req-g', until: Date.now() + MINUTE });
    for (const jobId of jobs) await upload(jobId);
    emulator.faults.inject({ operation: 'BatchWriteRow:row', count: 1, status: 503, code: 'OTSTimeout', message: 'Operation timeout.' });
    emulator.resetRequestCounts();
    const counted = await store.countUploadedMany(jobs);
    const first = counted.get(jobs[0]!)!;
    assert.ok(!first.ok && first.error.code === 'OTSTimeout');
    assert.deepEqual(counted.get(jobs[1]!), { ok: true, value: true });
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 1 });
    assert.equal((await store.getRecord(jobs[0]!))?.deliveries, 0, 'nothing counted twice, nothing guessed');
  });

  test('more than 200 jobs are split into requests the service accepts', async () => {
    const jobs = ids('many', 450);
    emulator.resetRequestCounts();
    const claims = await store.claimMany(jobs, { owner: 'req-h', until: Date.now() + MINUTE });
    assert.equal(kinds(claims, jobs).filter((k) => k === 'claimed').length, 450);
    assert.deepEqual(emulator.requestCounts(), { BatchWriteRow: 3 });
  });

  test('the same job twice in one call is refused before anything is sent', async () => {
    const [jobId] = ids('twice', 1) as [string];
    emulator.resetRequestCounts();
    await assert.rejects(store.claimMany([jobId, jobId], { owner: 'req-i', until: Date.now() + MINUTE }), { reason: 'invalid_outcome' });
    assert.deepEqual(emulator.requestCounts(), {});
  });
});
