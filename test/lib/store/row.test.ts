import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { STATUS_RANK, partitionKeyHash, type Outcome, type RecordStatus } from '../../../lib/records/record';
import { absentFieldColumns, checkOutcome, leaseFromRow, outcomeCells, primaryKeyOf, recordFromRow } from '../../../lib/store/row';
import { STATUSES_IN_BYTE_ORDER } from '../../../lib/store/store';
import { StoreError } from '../../../lib/store/errors';

describe('status order', () => {
  test('byte order of the status strings is rank order (the store relies on it in conditions)', () => {
    const statuses = Object.keys(STATUS_RANK) as RecordStatus[];
    assert.deepEqual([...STATUSES_IN_BYTE_ORDER].sort(), [...statuses].sort());
    for (const a of statuses) {
      for (const b of statuses) {
        // Tablestore compares STRING cells bytewise; Buffer.compare is bytewise too.
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        assert.equal(bytes, Math.sign(STATUS_RANK[a] - STATUS_RANK[b]), `${a} vs ${b}`);
      }
    }
  });
});

describe('row layout', () => {
  const outcome: Outcome = {
    jobId: 'inv-2026-0001',
    status: 'uploaded',
    recordedBy: 'callback',
    bucket: 'b',
    object: 'photos/a.jpg',
    etag: '"ETAG"',
    size: 1234,
    mimeType: 'image/jpeg',
    crc64: '18446744073709551615',
    vars: { 'x:a': '1' },
  };

  test('primary key is pk_hash then job_id', () => {
    assert.deepEqual(primaryKeyOf('inv-2026-0001'), [{ pk_hash: partitionKeyHash('inv-2026-0001') }, { job_id: 'inv-2026-0001' }]);
  });

  test('integers are wrapped for the SDK, crc64 and vars are strings, undefined fields are absent', () => {
    const cells = Object.assign({}, ...outcomeCells(outcome, 1_700_000_000_123)) as Record<string, unknown>;
    assert.equal(typeof cells.size, 'object');
    assert.equal((cells.size as TableStore.int64).toNumber(), 1234);
    assert.equal((cells.updated_at as TableStore.int64).toNumber(), 1_700_000_000_123);
    assert.equal(cells.crc64, '18446744073709551615');
    assert.equal(cells.vars, '{"x:a":"1"}');
    assert.equal(cells.status, 'uploaded');
    assert.equal(cells.recorded_by, 'callback');
    assert.ok(!('error' in cells) && !('content_md5' in cells));
  });

  test('reads a row back, INTEGER cells to numbers', () => {
    const record = recordFromRow({
      primaryKey: [
        { name: 'pk_hash', value: 'abcd' },
        { name: 'job_id', value: 'j1' },
      ],
      attributes: [
        { columnName: 'status', columnValue: 'failed' },
        { columnName: 'recorded_by', columnValue: 'uploader' },
        { columnName: 'size', columnValue: TableStore.Long.fromNumber(7) },
        { columnName: 'deliveries', columnValue: TableStore.Long.fromNumber(3) },
        { columnName: 'created_at', columnValue: TableStore.Long.fromNumber(10) },
        { columnName: 'updated_at', columnValue: TableStore.Long.fromNumber(20) },
        { columnName: 'crc64', columnValue: '9007199254740993' },
        { columnName: 'error', columnValue: 'source_unreachable' },
        { columnName: 'vars', columnValue: '{"x:k":"v"}' },
      ],
    });
    assert.deepEqual(record, {
      jobId: 'j1',
      status: 'failed',
      recordedBy: 'uploader',
      size: 7,
      deliveries: 3,
      createdAt: 10,
      updatedAt: 20,
      crc64: '9007199254740993',
      error: 'source_unreachable',
      vars: { 'x:k': 'v' },
    });
  });

  test("the SDK's empty answer for a missing row is no record, and neither is a row holding only a lease", () => {
    assert.equal(recordFromRow({}), undefined);
    assert.equal(recordFromRow(undefined), undefined);
    const leased = {
      primaryKey: [{ name: 'job_id', value: 'j' }],
      attributes: [
        { columnName: 'lease_owner', columnValue: 'req-1' },
        { columnName: 'lease_until', columnValue: TableStore.Long.fromNumber(99) },
      ],
    };
    assert.equal(recordFromRow(leased), undefined);
    assert.deepEqual(leaseFromRow(leased), { owner: 'req-1', until: 99 });
    assert.equal(leaseFromRow({}), undefined);
  });

  test('a status move deletes every field column the new outcome lacks', () => {
    assert.deepEqual(absentFieldColumns(outcome).sort(), ['client_ip', 'content_md5', 'error', 'oss_request_id', 'operation', 'reason'].sort());
    assert.ok(absentFieldColumns({ jobId: 'j', status: 'failed', recordedBy: 'uploader' }).includes('etag'));
  });

  test('malformed rows are reported, not guessed', () => {
    const row = (attributes: Array<{ columnName: string; columnValue: unknown }>) => ({ primaryKey: [{ name: 'job_id', value: 'j' }], attributes });
    const ok = [
      { columnName: 'status', columnValue: 'uploaded' },
      { columnName: 'recorded_by', columnValue: 'callback' },
    ];
    assert.throws(() => recordFromRow(row([{ columnName: 'status', columnValue: 'done' }, ok[1]!])), { reason: 'corrupt_row' });
    assert.throws(() => recordFromRow(row([...ok, { columnName: 'size', columnValue: 'big' }])), { reason: 'corrupt_row' });
    assert.throws(() => recordFromRow(row([...ok, { columnName: 'vars', columnValue: '[1]' }])), { reason: 'corrupt_row' });
  });

  test('outcomes that cannot be stored are refused', () => {
    const bad: Array<Partial<Outcome>> = [
      { jobId: '' },
      { jobId: 'has space' },
      { jobId: 'x'.repeat(129) },
      { status: 'done' as RecordStatus },
      { size: -1 },
      { size: 1.5 },
      { crc64: '18446744073709551616' },
      { crc64: '-1' },
      { vars: { a: 1 as unknown as string } },
      { reason: 'has space' },
      { reason: '' },
    ];
    for (const patch of bad) {
      assert.throws(() => checkOutcome({ ...outcome, ...patch }), (err: unknown) => err instanceof StoreError && err.reason === 'invalid_outcome', JSON.stringify(patch));
    }
    checkOutcome(outcome);
  });
});
