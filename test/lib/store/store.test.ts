// The record store against the Tablestore emulator, through the real `tablestore` SDK.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { STATUS_RANK, partitionKeyHash, type Outcome, type RecordStatus } from '../../../lib/records/record';
import { RecordStore, StoreError } from '../../../lib/store/store';
import { freshJobId, rawClient, startEmulator, storeFor, type Emulator } from '../../support/store';

const STATUSES: RecordStatus[] = ['failed', 'stored_unconfirmed', 'uploaded'];

function outcome(jobId: string, status: RecordStatus, extra: Partial<Outcome> = {}): Outcome {
  return { jobId, status, recordedBy: status === 'uploaded' ? 'callback' : 'uploader', ...extra };
}

describe('RecordStore', () => {
  let emulator: Emulator;
  let store: RecordStore;

  before(async () => {
    emulator = await startEmulator();
    store = storeFor(emulator);
    assert.equal(await store.ensureTable(), 'created');
  });
  after(async () => {
    store.close();
    await emulator.close();
  });

  describe('ensureTable', () => {
    test('is idempotent and creates the key pk_hash, job_id (both STRING) in that order', async () => {
      assert.equal(await store.ensureTable(), 'exists');
      const described = (await rawClient(emulator).describeTable({ tableName: 'upload_results' })) as unknown as {
        tableMeta: { primaryKey: Array<{ name: string; type: number }> };
      };
      assert.deepEqual(
        described.tableMeta.primaryKey.map((k) => [k.name, k.type]),
        [
          ['pk_hash', TableStore.PrimaryKeyType.STRING],
          ['job_id', TableStore.PrimaryKeyType.STRING],
        ],
      );
    });

    test('refuses a table of that name with another key', async () => {
      await rawClient(emulator).createTable({
        tableMeta: { tableName: 'wrong_key', primaryKey: [{ name: 'id', type: 'STRING' }] },
        tableOptions: { timeToLive: -1, maxVersions: 1 },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      });
      const other = storeFor(emulator, { table: 'wrong_key' });
      try {
        await assert.rejects(other.ensureTable(), (err: unknown) => err instanceof StoreError && err.reason === 'schema_mismatch');
      } finally {
        other.close();
      }
    });

    test('a missing table is a clear error on record operations', async () => {
      const other = storeFor(emulator, { table: 'no_such_table' });
      try {
        await assert.rejects(
          other.getRecord('j'),
          (err: unknown) => err instanceof StoreError && err.reason === 'rejected' && err.code === 'OTSObjectNotExist' && err.retryable === false,
        );
      } finally {
        other.close();
      }
    });
  });

  test('getRecord of a job without a record is undefined', async () => {
    assert.equal(await store.getRecord(freshJobId('none')), undefined);
  });

  test('record creates the row with every column, and getRecord reads it back', async () => {
    const jobId = freshJobId('create');
    const full: Outcome = {
      jobId,
      status: 'uploaded',
      recordedBy: 'callback',
      bucket: 'bkt',
      object: 'photos/a b.jpg',
      etag: '"D41D8CD98F00B204E9800998ECF8427E"',
      size: 5_000_000_000,
      mimeType: 'image/jpeg',
      crc64: '18446744073709551615',
      contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
      ossRequestId: '5C06A3B67B8B5A3DA422299D',
      clientIp: '192.0.2.1',
      operation: 'PutObject',
      vars: { 'x:job': jobId, 'x:note': 'ünïcode ✓' },
    };
    const before = Date.now();
    const { record, applied } = await store.record(full, { countDelivery: true });
    assert.equal(applied, true);
    assert.equal(record.deliveries, 1);
    assert.ok(record.createdAt >= before && record.createdAt <= Date.now());
    assert.equal(record.updatedAt, record.createdAt);
    const read = await store.getRecord(jobId);
    assert.deepEqual(read, record);
    assert.deepEqual(read, { ...full, deliveries: 1, createdAt: record.createdAt, updatedAt: record.updatedAt });
  });

  describe('status only moves up, and only a higher status writes (all 9 ordered pairs)', () => {
    for (const first of STATUSES) {
      for (const second of STATUSES) {
        test(`${first} then ${second}`, async () => {
          const jobId = freshJobId(`pair-${first}-${second}`);
          const one = await store.record(outcome(jobId, first, { etag: 'first', error: first === 'failed' ? 'e1' : undefined }));
          assert.equal(one.applied, true);
          const two = await store.record(outcome(jobId, second, { etag: 'second' }));
          const raises = STATUS_RANK[second] > STATUS_RANK[first];
          assert.equal(two.applied, raises);
          const stored = await store.getRecord(jobId);
          assert.ok(stored);
          assert.equal(stored.status, raises ? second : first);
          assert.equal(stored.etag, raises ? 'second' : 'first', 'a refused write changes no field');
          assert.equal(stored.error, raises || first !== 'failed' ? undefined : 'e1', 'a higher status clears error');
          assert.equal(stored.recordedBy, outcome(jobId, raises ? second : first).recordedBy);
          assert.equal(stored.createdAt, one.record.createdAt, 'created_at is set once');
          assert.deepEqual(two.record, stored);
        });
      }
    }
  });

  test('a repeated identical outcome writes nothing', async () => {
    const jobId = freshJobId('repeat');
    const o = outcome(jobId, 'stored_unconfirmed', { bucket: 'b', object: 'k', size: 10, crc64: '123' });
    const first = await store.record(o);
    const second = await store.record(o);
    assert.equal(first.applied, true);
    assert.equal(second.applied, false);
    assert.deepEqual(second.record, first.record, 'updated_at did not move either');
    assert.equal(second.record.deliveries, 0, 'deliveries only move when counted');
  });

  test('a move to a higher status replaces the fields wholesale: error, reason and stale values go', async () => {
    const jobId = freshJobId('replace');
    await store.record(outcome(jobId, 'failed', { bucket: 'b', object: 'k', error: 'source 404', reason: 'source_not_found', vars: { a: '1', b: '2' } }), { countDelivery: true });
    await store.record(outcome(jobId, 'stored_unconfirmed', { bucket: 'b', object: 'k', etag: 'HEAD', size: 3, mimeType: 'text/plain', crc64: '7', error: 'callback failed', reason: 'callback_failed', vars: { a: '1', b: '2' } }), { countDelivery: true });
    const raised = await store.record(outcome(jobId, 'uploaded', { bucket: 'b', object: 'k', etag: 'CB', size: 3, vars: { a: '1' } }));
    assert.equal(raised.applied, true);
    const stored = await store.getRecord(jobId);
    assert.deepEqual(stored, {
      jobId,
      status: 'uploaded',
      recordedBy: 'callback',
      bucket: 'b',
      object: 'k',
      etag: 'CB',
      size: 3,
      vars: { a: '1' },
      deliveries: 2,
      createdAt: stored!.createdAt,
      updatedAt: stored!.updatedAt,
    });
  });

  test('an uploaded record is final: a later outcome with other values writes nothing, and the answer is the stored record', async () => {
    const jobId = freshJobId('final');
    const first = outcome(jobId, 'uploaded', { bucket: 'b', object: 'k', etag: 'AAA', size: 5, mimeType: 'text/plain', crc64: '1', contentMd5: 'md5', ossRequestId: 'r1', vars: { v: '1' } });
    await store.record(first);
    const before = await store.getRecord(jobId);
    emulator.resetRequestCounts();
    const forged = await store.record(outcome(jobId, 'uploaded', { bucket: 'b', object: 'k', etag: 'BBB', size: 6, mimeType: 'image/png', crc64: '2', contentMd5: 'other', ossRequestId: 'r2', vars: { v: '2' } }));
    // Two refused conditional writes and the read of what is stored: no write went through.
    assert.deepEqual(emulator.requestCounts(), { UpdateRow: 2, GetRow: 1 });
    assert.equal(forged.applied, false);
    assert.deepEqual(forged.record, before);
    assert.deepEqual(await store.getRecord(jobId), before, 'nothing changed, updated_at included');
    // Lower outcomes are refused too.
    assert.equal((await store.record(outcome(jobId, 'failed', { error: 'late failure' }))).applied, false);
    assert.deepEqual(await store.getRecord(jobId), before);
  });

  test('deliveries count every counted delivery, also when the status does not move', async () => {
    const jobId = freshJobId('deliveries');
    await store.record(outcome(jobId, 'failed', { error: 'source_unreachable' }), { countDelivery: true });
    await store.record(outcome(jobId, 'uploaded'), { countDelivery: true });
    const lower = await store.record(outcome(jobId, 'stored_unconfirmed'), { countDelivery: true });
    assert.equal(lower.applied, false);
    assert.equal(lower.record.deliveries, 3);
    assert.equal(lower.record.status, 'uploaded');
    await store.record(outcome(jobId, 'uploaded')); // not counted
    assert.equal(await store.countUploaded(jobId), true);
    const stored = await store.getRecord(jobId);
    assert.equal(stored?.deliveries, 4);
    assert.equal(stored?.status, 'uploaded');
  });

  test('a dropped connection on a write that is safe to repeat is retried', async () => {
    const jobId = freshJobId('drop');
    emulator.faults.inject({ operation: 'UpdateRow', count: 1, drop: true });
    const { applied, record } = await store.record(outcome(jobId, 'stored_unconfirmed', { size: 1 }));
    assert.equal(applied, true);
    assert.equal(record.status, 'stored_unconfirmed');
    assert.equal(emulator.faults.pending().length, 0);
    assert.equal((await store.getRecord(jobId))?.status, 'stored_unconfirmed');
  });

  test('countUploaded counts nothing on a job without a record, or one not uploaded', async () => {
    assert.equal(await store.countUploaded(freshJobId('ghost')), false);
    const failed = freshJobId('not-uploaded');
    await store.record(outcome(failed, 'failed', { error: 'x' }), { countDelivery: true });
    assert.equal(await store.countUploaded(failed), false);
    assert.equal((await store.getRecord(failed))?.deliveries, 1);
  });

  test('invalid outcomes are refused before any request', async () => {
    await assert.rejects(store.record(outcome('bad id!', 'uploaded')), { reason: 'invalid_outcome' });
    await assert.rejects(store.record(outcome('ok-id', 'uploaded', { size: -5 })), { reason: 'invalid_outcome' });
    await assert.rejects(store.getRecord(''), { reason: 'invalid_outcome' });
  });

  test('20 concurrent writers on one job: highest status, one row, every delivery counted', async () => {
    const jobId = freshJobId('race');
    const writers = Array.from({ length: 20 }, (_, i) => {
      // The highest status is written by an early writer, so most later ones are refused.
      const status = i === 3 ? 'uploaded' : STATUSES[i % 2]!;
      return store.record(outcome(jobId, status, { etag: `w${i}` }), { countDelivery: true });
    });
    const results = await Promise.all(writers);
    const stored = await store.getRecord(jobId);
    assert.equal(stored?.status, 'uploaded');
    assert.equal(stored?.etag, 'w3', 'no lower writer overwrote the uploaded one');
    assert.equal(stored?.deliveries, 20);
    assert.ok(results.some((r) => r.applied));

    // One row for the job in the whole table.
    const range = await rawClient(emulator).getRange({
      tableName: 'upload_results',
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ pk_hash: partitionKeyHash(jobId) }, { job_id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ pk_hash: partitionKeyHash(jobId) }, { job_id: TableStore.INF_MAX }],
    });
    const rows = range.rows.filter((r) => r.primaryKey?.some((k) => k.name === 'job_id' && k.value === jobId));
    assert.equal(rows.length, 1);
  });

  test('racing creators of different statuses always end at the highest (repeated rounds)', async () => {
    for (let round = 0; round < 5; round += 1) {
      const jobId = freshJobId(`race-round${round}`);
      const order = round % 2 === 0 ? STATUSES : [...STATUSES].reverse();
      await Promise.all(order.map((s) => store.record(outcome(jobId, s))));
      assert.equal((await store.getRecord(jobId))?.status, 'uploaded');
    }
  });
});
