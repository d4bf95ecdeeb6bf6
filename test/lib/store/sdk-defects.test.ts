// Each known defect of the `tablestore` SDK (docs/architecture.md#tablestore), shown against the
// emulator, with the store's handling of it. Every test here fails without that handling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import TableStore from 'tablestore';
import { build } from 'esbuild';
import { RecordStore, StoreError } from '../../../lib/store/store';
import { TablestoreClient } from '../../../lib/store/client';
import { primaryKeyOf } from '../../../lib/store/row';
import { configFor, FAST_BACKOFF, freshJobId, rawClient, startEmulator, storeFor, type Emulator } from '../../support/store';

const retryPolicy = (TableStore as unknown as { DefaultRetryPolicy: { maxRetryTimes: number } }).DefaultRetryPolicy;

function isStoreError(reason: string, code?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  };
}

describe('SDK defects handled by the store', () => {
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

  test('plain numbers would be DOUBLE: integers are stored as INTEGER cells, crc64 above 2^53 exact', async () => {
    const jobId = freshJobId('ints');
    await store.record({ jobId, status: 'uploaded', recordedBy: 'callback', size: 9_007_199_254_740_991, crc64: '9007199254740993' }, { countDelivery: true });
    const raw = await rawClient(emulator).getRow({ tableName: 'upload_results', primaryKey: primaryKeyOf(jobId), maxVersions: 1 });
    const cells = new Map((raw.row?.attributes ?? []).map((a) => [a.columnName, a.columnValue]));
    for (const column of ['size', 'deliveries', 'created_at', 'updated_at']) {
      const value = cells.get(column);
      // The SDK decodes INTEGER cells as Int64 objects and DOUBLE cells as JS numbers.
      assert.equal(typeof value, 'object', `${column} is an INTEGER cell`);
      assert.equal(typeof (value as TableStore.int64).toNumber, 'function');
    }
    assert.equal((cells.get('size') as TableStore.int64).toNumber(), 9_007_199_254_740_991);
    assert.equal(cells.get('crc64'), '9007199254740993', 'crc64 is a STRING cell, digit for digit');
    assert.equal(cells.get('vars'), undefined);
    const record = await store.getRecord(jobId);
    assert.equal(record?.size, 9_007_199_254_740_991);
    assert.equal(record?.crc64, '9007199254740993');

    // The defect itself: the SDK writes an unwrapped number as a DOUBLE.
    await rawClient(emulator).putRow({
      tableName: 'upload_results',
      primaryKey: primaryKeyOf(`${jobId}-raw`),
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      attributeColumns: [{ size: 7 }],
    });
    const rawDouble = await rawClient(emulator).getRow({ tableName: 'upload_results', primaryKey: primaryKeyOf(`${jobId}-raw`), maxVersions: 1 });
    assert.equal(typeof rawDouble.row?.attributes?.[0]?.columnValue, 'number');
  });

  test('writes without a condition crash the SDK: the store always passes one', async () => {
    await assert.rejects(
      rawClient(emulator).putRow({ tableName: 'upload_results', primaryKey: primaryKeyOf('no-cond'), attributeColumns: [{ a: 'b' }] } as unknown as TableStore.PutRowParams),
      TypeError,
    );
    const { applied } = await store.record({ jobId: freshJobId('cond'), status: 'failed', recordedBy: 'uploader', error: 'x' });
    assert.equal(applied, true);
  });

  test('getRow of a missing row answers row {}: the store returns undefined', async () => {
    const jobId = freshJobId('missing');
    const raw = await rawClient(emulator).getRow({ tableName: 'upload_results', primaryKey: primaryKeyOf(jobId), maxVersions: 1 });
    assert.deepEqual(raw.row, {});
    assert.equal(await store.getRecord(jobId), undefined);
  });

  test('errors carry the HTTP status as code: the store decodes OTSConditionCheckFail and the request id', async () => {
    const jobId = freshJobId('decode');
    const params = {
      tableName: 'upload_results',
      primaryKey: primaryKeyOf(jobId),
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
      attributeColumns: [{ status: 'failed' }],
    };
    await rawClient(emulator).putRow(params);
    const sdkError = await rawClient(emulator).putRow(params).then(
      () => assert.fail('second create must fail'),
      (err: { code: unknown }) => err,
    );
    assert.equal(typeof sdkError.code, 'number', 'the SDK reports only the HTTP status');

    const client = new TablestoreClient(configFor(emulator), FAST_BACKOFF);
    try {
      await assert.rejects(client.call('putRow', params, { deadlineAt: Date.now() + 2000, idempotent: true }), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'OTSConditionCheckFail');
        assert.equal(err.reason, 'condition_failed');
        assert.ok(err.status !== undefined && err.status >= 400 && err.status < 500, `HTTP ${String(err.status)}`);
        assert.ok(err.requestId && err.requestId.length > 0, 'request id is kept');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('a wrong key is OTSAuthFailed, rejected, not retried, and the secret is not in the error', async () => {
    const bad = storeFor(emulator, { credentials: { accessKeyId: emulator.accessKeyId, accessKeySecret: 'definitely-wrong-secret' } });
    try {
      await assert.rejects(bad.getRecord('j'), (err: unknown) => {
        isStoreError('rejected', 'OTSAuthFailed')(err);
        assert.doesNotMatch(String((err as Error).message) + String((err as Error).stack), /definitely-wrong-secret/);
        return true;
      });
    } finally {
      bad.close();
    }
  });

  test('writes are never retried by the SDK: the store retries throttling (2 x 503 OTSServerBusy, then success)', async () => {
    const jobId = freshJobId('busy');
    emulator.faults.inject({ operation: 'UpdateRow', count: 2, status: 503, code: 'OTSServerBusy' });
    const { applied } = await store.record({ jobId, status: 'uploaded', recordedBy: 'callback' }, { countDelivery: true });
    assert.equal(applied, true);
    assert.equal(emulator.faults.pending().length, 0, 'both faults were consumed');

    // The increment path too: throttling proves nothing was done, so INCREMENT is retried.
    emulator.faults.inject({ operation: 'UpdateRow', count: 2, status: 503, code: 'OTSServerBusy' });
    const again = await store.record({ jobId, status: 'uploaded', recordedBy: 'callback' }, { countDelivery: true });
    assert.equal(again.record.deliveries, 2);
  });

  test('throttling that outlasts the attempts is a retryable StoreError', async () => {
    const jobId = freshJobId('busy-long');
    emulator.faults.inject({ operation: 'UpdateRow', count: 4, status: 503, code: 'OTSServerBusy' });
    await assert.rejects(store.record({ jobId, status: 'failed', recordedBy: 'uploader' }), (err: unknown) => {
      isStoreError('throttled', 'OTSServerBusy')(err);
      assert.equal((err as StoreError).retryable, true);
      assert.equal((err as StoreError).status, 503);
      return true;
    });
    emulator.faults.clear();
  });

  test('an ambiguous server error is retried for plain writes but not for an increment', async () => {
    const jobId = freshJobId('ambiguous');
    await store.record({ jobId, status: 'failed', recordedBy: 'uploader' }, { countDelivery: true });
    emulator.faults.inject({ operation: 'UpdateRow', count: 1, status: 500, code: 'OTSInternalServerError' });
    assert.equal((await store.record({ jobId, status: 'stored_unconfirmed', recordedBy: 'uploader' })).applied, true);

    emulator.faults.inject({ operation: 'UpdateRow', count: 1, status: 500, code: 'OTSInternalServerError' });
    await assert.rejects(store.record({ jobId, status: 'uploaded', recordedBy: 'callback' }, { countDelivery: true }), (err: unknown) => {
      isStoreError('unavailable', 'OTSInternalServerError')(err);
      assert.equal((err as StoreError).retryable, true);
      return true;
    });
    assert.equal((await store.getRecord(jobId))?.deliveries, 1, 'no double count');
  });

  test("the store turns the SDK's own retries off for its requests only, without the process-wide maxRetries", async () => {
    const before = retryPolicy.maxRetryTimes;
    const single = storeFor(emulator, { maxAttempts: 1 });
    try {
      // GetRow is "repeatable" to the SDK, which would retry a 503 itself up to maxRetryTimes.
      emulator.faults.inject({ operation: 'GetRow', count: 1, status: 503, code: 'OTSServerBusy' });
      await assert.rejects(single.getRecord(freshJobId('noretry')), isStoreError('throttled', 'OTSServerBusy'));
      assert.equal(retryPolicy.maxRetryTimes, before, 'the module-wide retry count is untouched');

      // Another client in the process keeps the SDK's default behaviour.
      emulator.faults.inject({ operation: 'GetRow', count: 1, status: 503, code: 'OTSServerBusy' });
      const other = await rawClient(emulator).getRow({ tableName: 'upload_results', primaryKey: primaryKeyOf('x'), maxVersions: 1 });
      assert.deepEqual(other.row, {});
    } finally {
      single.close();
    }
  });

  test("the SDK's assignment of http.globalAgent.maxSockets is neutralised", async () => {
    const saved = http.globalAgent.maxSockets;
    http.globalAgent.maxSockets = 17;
    try {
      await store.getRecord(freshJobId('agent'));
      assert.equal(http.globalAgent.maxSockets, 17);
    } finally {
      http.globalAgent.maxSockets = saved;
    }
  });

  test('no timeout by default: a store whose requests hang fails with timeout within the deadline', async () => {
    const slow = storeFor(emulator, { timeoutMs: 400 });
    emulator.faults.inject({ operation: '*', count: 20, delayMs: 3000 });
    try {
      const started = Date.now();
      await assert.rejects(slow.record({ jobId: freshJobId('slow'), status: 'uploaded', recordedBy: 'callback' }), (err: unknown) => {
        isStoreError('timeout')(err);
        assert.equal((err as StoreError).retryable, true);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 800, `failed after ${elapsed} ms`);
    } finally {
      emulator.faults.clear();
      slow.close();
    }
  });

  test('a store that is down (emulator closed) fails with unavailable within the deadline', async () => {
    const gone = await startEmulator();
    const config = configFor(gone, { timeoutMs: 1500 });
    await gone.close();
    const down = new RecordStore(config, { backoff: FAST_BACKOFF });
    try {
      const started = Date.now();
      await assert.rejects(down.getRecord('inv-1'), (err: unknown) => {
        isStoreError('unavailable', 'NetworkingError')(err);
        assert.equal((err as StoreError).retryable, true);
        return true;
      });
      assert.ok(Date.now() - started < 1500);
    } finally {
      down.close();
    }
  });

  test('the store works from a CJS bundle (as esbuild bundles the functions)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-bundle-'));
    try {
      const entry = join(dir, 'entry.ts');
      await writeFile(entry, `export { RecordStore } from ${JSON.stringify(join(process.cwd(), 'lib/store/store'))};\n`);
      const out = join(dir, 'bundle.cjs');
      await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'silent' });
      const bundled = createRequire(import.meta.url)(out) as { RecordStore: typeof RecordStore };
      const fromBundle = new bundled.RecordStore(configFor(emulator), { backoff: FAST_BACKOFF });
      try {
        const jobId = freshJobId('bundle');
        await fromBundle.record({ jobId, status: 'uploaded', recordedBy: 'callback', size: 3 });
        assert.equal((await store.getRecord(jobId))?.size, 3);
      } finally {
        fromBundle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
