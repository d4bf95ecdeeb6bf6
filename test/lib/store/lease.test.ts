// The uploader's lease on a job (lib/store/lease.ts) against the Tablestore emulator,
// through the real `tablestore` SDK: one conditional write claims, a second counts an
// uploaded job, a live lease of another invocation holds the job, an ended one is taken over.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { primaryKeyOf } from '../../../lib/store/row';
import type { RecordStore } from '../../../lib/store/store';
import { freshJobId, rawClient, startEmulator, storeFor, type Emulator } from '../../support/store';

const MINUTE = 60_000;

describe('RecordStore leases', () => {
  let emulator: Emulator;
  let store: RecordStore;

  before(async () => {
    emulator = await startEmulator();
    store = storeFor(emulator);
    await store.ensureTable();
  });
  after(async () => {
    store.close();
    await emulator.close();
  });

  /** The raw lease columns of a job's row. */
  async function leaseColumns(jobId: string): Promise<Record<string, unknown>> {
    const { row } = await rawClient(emulator).getRow({ tableName: 'upload_results', primaryKey: primaryKeyOf(jobId), maxVersions: 1 });
    const out: Record<string, unknown> = {};
    for (const a of row?.attributes ?? []) {
      if (a.columnName.startsWith('lease_')) out[a.columnName] = typeof a.columnValue === 'object' ? Number(a.columnValue) : a.columnValue;
    }
    return out;
  }

  test('a fresh job is claimed with one UpdateRow; the lease is no record', async () => {
    const jobId = freshJobId('fresh');
    const until = Date.now() + MINUTE;
    emulator.resetRequestCounts();
    assert.deepEqual(await store.claim(jobId, { owner: 'req-a', until }), { kind: 'claimed' });
    assert.deepEqual(emulator.requestCounts(), { UpdateRow: 1 }, 'one call, as many as the read it replaces');
    assert.deepEqual(await leaseColumns(jobId), { lease_owner: 'req-a', lease_until: until });
    assert.equal(await store.getRecord(jobId), undefined, 'a lease alone is not a record');
  });

  test('a live lease of another invocation holds the job; the holder may claim again', async () => {
    const jobId = freshJobId('held');
    const until = Date.now() + MINUTE;
    await store.claim(jobId, { owner: 'req-a', until });
    assert.deepEqual(await store.claim(jobId, { owner: 'req-b', until: until + 5 }), { kind: 'held', lease: { owner: 'req-a', until } });
    assert.deepEqual(await store.claim(jobId, { owner: 'req-a', until }), { kind: 'claimed' }, 'a repeated claim (a retried request) passes');
    assert.deepEqual(await leaseColumns(jobId), { lease_owner: 'req-a', lease_until: until });
  });

  test('an ended lease is taken over', async () => {
    const jobId = freshJobId('expired');
    await store.claim(jobId, { owner: 'req-dead', until: Date.now() - 1 });
    const until = Date.now() + MINUTE;
    assert.deepEqual(await store.claim(jobId, { owner: 'req-next', until }), { kind: 'claimed' });
    assert.deepEqual(await leaseColumns(jobId), { lease_owner: 'req-next', lease_until: until });
  });

  test('an uploaded job is not claimed: the refused claim and one counting write (two calls, as before)', async () => {
    const jobId = freshJobId('uploaded');
    await store.claim(jobId, { owner: 'req-a', until: Date.now() + MINUTE });
    await store.record({ jobId, status: 'uploaded', recordedBy: 'callback', etag: 'E', size: 1 });
    assert.equal(await store.countUploaded(jobId), true);
    assert.deepEqual(await leaseColumns(jobId), {}, 'counting the upload dropped the lease');
    emulator.resetRequestCounts();
    assert.deepEqual(await store.claim(jobId, { owner: 'req-b', until: Date.now() + MINUTE }), { kind: 'uploaded' });
    assert.deepEqual(emulator.requestCounts(), { UpdateRow: 2 });
    const record = await store.getRecord(jobId);
    assert.equal(record?.deliveries, 2);
    assert.equal(record?.status, 'uploaded');
    assert.equal(record?.etag, 'E');
  });

  test('an uploaded job with a lingering live lease of another invocation still counts as uploaded', async () => {
    const jobId = freshJobId('uploaded-leased');
    await store.claim(jobId, { owner: 'req-a', until: Date.now() + MINUTE });
    await store.record({ jobId, status: 'uploaded', recordedBy: 'callback' });
    assert.deepEqual(await store.claim(jobId, { owner: 'req-b', until: Date.now() + MINUTE }), { kind: 'uploaded' });
  });

  test('a failed or unconfirmed job may be claimed again; the claim never changes the record', async () => {
    for (const status of ['failed', 'stored_unconfirmed'] as const) {
      const jobId = freshJobId(`again-${status}`);
      await store.record({ jobId, status, recordedBy: 'uploader', error: 'first try' }, { countDelivery: true });
      const before = await store.getRecord(jobId);
      assert.deepEqual(await store.claim(jobId, { owner: 'req-b', until: Date.now() + MINUTE }), { kind: 'claimed' });
      assert.deepEqual(await store.getRecord(jobId), before);
    }
  });

  test('release drops only the owner’s lease', async () => {
    const jobId = freshJobId('release');
    const until = Date.now() + MINUTE;
    await store.claim(jobId, { owner: 'req-a', until });
    assert.equal(await store.release(jobId, 'req-b'), false);
    assert.deepEqual(await leaseColumns(jobId), { lease_owner: 'req-a', lease_until: until });
    assert.equal(await store.release(jobId, 'req-a'), true);
    assert.deepEqual(await leaseColumns(jobId), {});
    assert.deepEqual(await store.claim(jobId, { owner: 'req-b', until }), { kind: 'claimed' }, 'released: the next delivery need not wait');
  });

  test('recording the delivery’s outcome with releaseLease drops the lease in the same write', async () => {
    const jobId = freshJobId('record-release');
    await store.claim(jobId, { owner: 'req-a', until: Date.now() + MINUTE });
    emulator.resetRequestCounts();
    await store.record({ jobId, status: 'failed', recordedBy: 'uploader', error: 'source 404', reason: 'source_not_found' }, { countDelivery: true, releaseLease: true });
    assert.deepEqual(emulator.requestCounts(), { UpdateRow: 1 });
    assert.deepEqual(await leaseColumns(jobId), {});
    const record = await store.getRecord(jobId);
    assert.equal(record?.deliveries, 1);
    assert.equal(record?.reason, 'source_not_found');
  });

  test('countUploaded is refused (nothing written) while the job is not uploaded', async () => {
    const jobId = freshJobId('not-yet');
    const until = Date.now() + MINUTE;
    await store.claim(jobId, { owner: 'req-a', until });
    assert.equal(await store.countUploaded(jobId), false);
    assert.deepEqual(await leaseColumns(jobId), { lease_owner: 'req-a', lease_until: until });
    assert.equal(await store.getRecord(jobId), undefined);
  });

  test('twelve invocations claiming one fresh job at once: exactly one holds it', async () => {
    for (let round = 0; round < 3; round += 1) {
      const jobId = freshJobId(`race-${round}`);
      const until = Date.now() + MINUTE;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claim(jobId, { owner: `req-${i}`, until })));
      const claimed = results.flatMap((r, i) => (r.kind === 'claimed' ? [i] : []));
      assert.equal(claimed.length, 1, JSON.stringify(results));
      assert.ok(results.every((r) => r.kind === 'claimed' || (r.kind === 'held' && r.lease?.owner === `req-${claimed[0]}`)));
      assert.deepEqual(await leaseColumns(jobId), { lease_owner: `req-${claimed[0]}`, lease_until: until });
    }
  });

  test('a lease-only row that lost its lease is claimable, and a row with no columns is claimable', async () => {
    const jobId = freshJobId('bare');
    await rawClient(emulator).putRow({
      tableName: 'upload_results',
      primaryKey: primaryKeyOf(jobId),
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      attributeColumns: [{ note: 'left by hand' }],
    });
    assert.deepEqual(await store.claim(jobId, { owner: 'req-a', until: Date.now() + MINUTE }), { kind: 'claimed' });
  });

  // Tablestore does not document how a column condition sees a row that does not exist;
  // if it ever refused the claim there, the store must still claim (and record) the job.
  test('a claim refused on a missing row falls back to creating the lease with PutRow', async () => {
    const jobId = freshJobId('fallback-claim');
    emulator.faults.inject({ operation: 'UpdateRow', count: 1, status: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' });
    emulator.resetRequestCounts();
    assert.deepEqual(await store.claim(jobId, { owner: 'req-a', until: Date.now() + MINUTE }), { kind: 'claimed' });
    assert.deepEqual(emulator.requestCounts(), { UpdateRow: 2, GetRow: 1, PutRow: 1 });
    assert.equal((await leaseColumns(jobId)).lease_owner, 'req-a');
  });

  test('a first record refused on a missing row falls back to creating it with PutRow', async () => {
    const jobId = freshJobId('fallback-record');
    emulator.faults.inject({ operation: 'UpdateRow', count: 1, status: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' });
    const { applied, record } = await store.record({ jobId, status: 'failed', recordedBy: 'uploader', error: 'x' }, { countDelivery: true });
    assert.equal(applied, true);
    assert.equal(record.deliveries, 1);
    assert.deepEqual(await store.getRecord(jobId), record);
  });

  test('bad leases are refused before any request', async () => {
    emulator.resetRequestCounts();
    await assert.rejects(store.claim('ok-id', { owner: '', until: Date.now() }), { reason: 'invalid_outcome' });
    await assert.rejects(store.claim('ok-id', { owner: 'a', until: 1.5 }), { reason: 'invalid_outcome' });
    await assert.rejects(store.claim('bad id', { owner: 'a', until: 1 }), { reason: 'invalid_outcome' });
    assert.deepEqual(emulator.requestCounts(), {});
  });
});
