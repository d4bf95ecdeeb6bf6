// Secondary indexes through the real SDK against the emulator: CreateTable with
// indexMetas, CreateIndex/DropIndex, DescribeTable's index list, index rows kept in step
// with PutRow/UpdateRow/DeleteRow/BatchWriteRow, GetRange on the index table, and the
// limits the service enforces (messages as the Java SDK's SecondaryIndexTest asserts them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { Database } from '../../../local/tablestore/engine/database';
import { openJournal } from '../../../local/tablestore/engine/journal';
import { attrs, cond, rejection, sdkClient, TS } from './helpers';

type SdkRow = { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown }[] };
const keyOf = (row: SdkRow) => row.primaryKey.map((k) => `${k.name}=${String(k.value)}`).join(',');

/** CreateTable params of a jobs-like table: key (part, id), predefined status/at/note. */
function jobsTable(tableName: string, indexMetas: unknown[], options: { maxVersions?: number; timeToLive?: number } = {}): object {
  return {
    tableMeta: {
      tableName,
      primaryKey: [
        { name: 'part', type: 'STRING' },
        { name: 'id', type: 'STRING' },
      ],
      definedColumn: [
        { name: 'status', type: TS.DefinedColumnType.DCT_STRING },
        { name: 'at', type: TS.DefinedColumnType.DCT_INTEGER },
        { name: 'note', type: TS.DefinedColumnType.DCT_STRING },
        { name: 'ratio', type: TS.DefinedColumnType.DCT_DOUBLE },
      ],
    },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: options.timeToLive ?? -1, maxVersions: options.maxVersions ?? 1 },
    indexMetas,
  };
}

const byStatus = (name: string, definedColumn: string[] = ['note']) => ({ name, primaryKey: ['status', 'at'], definedColumn });
const long = (n: number) => TS.Long.fromNumber(n);

describe('Tablestore emulator: secondary indexes', () => {
  let emu: TablestoreEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;

  before(async () => {
    emu = await startTablestoreEmulator();
    client = sdkClient(emu);
  });
  after(() => emu.close());

  async function indexRows(index: string, direction: 'FORWARD' | 'BACKWARD' = 'FORWARD'): Promise<SdkRow[]> {
    const forward = direction === 'FORWARD';
    const low = [{ status: TS.INF_MIN }, { at: TS.INF_MIN }, { part: TS.INF_MIN }, { id: TS.INF_MIN }];
    const high = [{ status: TS.INF_MAX }, { at: TS.INF_MAX }, { part: TS.INF_MAX }, { id: TS.INF_MAX }];
    const page = await client.getRange({
      tableName: index,
      direction: TS.Direction[direction],
      inclusiveStartPrimaryKey: forward ? low : high,
      exclusiveEndPrimaryKey: forward ? high : low,
    });
    return page.rows;
  }

  test('CreateTable with an index: DescribeTable lists it; the index key is the index columns then the data key', async () => {
    await client.createTable(jobsTable('described', [byStatus('described_by_status')]));
    const described = await client.describeTable({ tableName: 'described' });
    assert.equal(described.indexMetas.length, 1);
    const meta = described.indexMetas[0];
    assert.equal(meta.name, 'described_by_status');
    assert.deepEqual(meta.primaryKey, ['status', 'at']);
    assert.deepEqual(meta.definedColumn, ['note']);
    assert.equal(meta.indexType, TS.IndexType.IT_GLOBAL_INDEX);
    assert.equal(meta.indexSyncPhase, TS.SyncPhase.INCR);
    const index = await client.describeTable({ tableName: 'described_by_status' });
    assert.deepEqual(
      index.tableMeta.primaryKey.map((k: { name: string }) => k.name),
      ['status', 'at', 'part', 'id'],
    );
    const tables = await client.listTable({});
    assert.ok(tables.tableNames.includes('described'));
    assert.ok(!tables.tableNames.includes('described_by_status'), 'index tables are described with their data table');
  });

  test('every write keeps the index in step: put, update moving the key, attribute updates, delete, batch', async () => {
    await client.createTable(jobsTable('jobs', [byStatus('jobs_by_status')]));
    const put = (id: string, columns: object[]) => client.putRow({ tableName: 'jobs', primaryKey: [{ part: 'p' }, { id }], attributeColumns: columns, condition: cond('IGNORE') });
    await put('a', [{ status: 'uploaded' }, { at: long(30) }, { note: 'first' }]);
    await put('b', [{ status: 'failed' }, { at: long(10) }]);
    await put('c', [{ status: 'uploaded' }, { at: long(20) }, { note: 'third' }]);
    // Sparse: no `at`, so not indexed at all.
    await put('d', [{ status: 'uploaded' }, { note: 'no time' }]);
    // A value of another type than the index column's is not indexed either.
    await put('e', [{ status: 'uploaded' }, { at: 'not a number' }]);

    let rows = await indexRows('jobs_by_status');
    assert.deepEqual(rows.map(keyOf), ['status=failed,at=10,part=p,id=b', 'status=uploaded,at=20,part=p,id=c', 'status=uploaded,at=30,part=p,id=a']);
    assert.deepEqual(rows.map(attrs), [{}, { note: 'third' }, { note: 'first' }]);

    // The status moves: the old index row goes, the new one comes.
    await client.updateRow({ tableName: 'jobs', primaryKey: [{ part: 'p' }, { id: 'b' }], updateOfAttributeColumns: [{ PUT: [{ status: 'uploaded' }] }], condition: cond('EXPECT_EXIST') });
    // Only an attribute moves: the index row stays where it is, with the new value.
    await client.updateRow({ tableName: 'jobs', primaryKey: [{ part: 'p' }, { id: 'a' }], updateOfAttributeColumns: [{ PUT: [{ note: 'changed' }] }], condition: cond('EXPECT_EXIST') });
    // Deleting an index column takes the row out of the index.
    await client.updateRow({ tableName: 'jobs', primaryKey: [{ part: 'p' }, { id: 'c' }], updateOfAttributeColumns: [{ DELETE_ALL: ['at'] }], condition: cond('EXPECT_EXIST') });
    rows = await indexRows('jobs_by_status', 'BACKWARD');
    assert.deepEqual(rows.map(keyOf), ['status=uploaded,at=30,part=p,id=a', 'status=uploaded,at=10,part=p,id=b']);
    assert.deepEqual(attrs(rows[0]!), { note: 'changed' });

    await client.deleteRow({ tableName: 'jobs', primaryKey: [{ part: 'p' }, { id: 'a' }], condition: cond('IGNORE') });
    await client.batchWriteRow({
      tables: [
        {
          tableName: 'jobs',
          rows: [
            { type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ part: 'q' }, { id: 'x' }], attributeColumns: [{ status: 'failed' }, { at: long(5) }] },
            { type: 'UPDATE', condition: cond('IGNORE'), primaryKey: [{ part: 'p' }, { id: 'd' }], attributeColumns: [{ PUT: [{ at: long(40) }] }] },
            { type: 'DELETE', condition: cond('IGNORE'), primaryKey: [{ part: 'p' }, { id: 'b' }] },
          ],
        },
      ],
    });
    rows = await indexRows('jobs_by_status');
    assert.deepEqual(rows.map(keyOf), ['status=failed,at=5,part=q,id=x', 'status=uploaded,at=40,part=p,id=d']);
    assert.deepEqual(attrs(rows[1]!), { note: 'no time' });
  });

  test('a range over one status, newest first, pages with nextStartPrimaryKey like any table', async () => {
    await client.createTable(jobsTable('paged', [byStatus('paged_by_status', [])]));
    for (let i = 0; i < 7; i++) {
      await client.putRow({ tableName: 'paged', primaryKey: [{ part: `p${i % 3}` }, { id: `j${i}` }], attributeColumns: [{ status: i % 2 ? 'failed' : 'uploaded' }, { at: long(100 + i) }], condition: cond('IGNORE') });
    }
    const seen: string[] = [];
    let start: unknown[] | null = [{ status: 'uploaded' }, { at: TS.INF_MAX }, { part: TS.INF_MAX }, { id: TS.INF_MAX }];
    while (start) {
      const page: { rows: SdkRow[]; nextStartPrimaryKey: { name: string; value: unknown }[] | null } = await client.getRange({
        tableName: 'paged_by_status',
        direction: TS.Direction.BACKWARD,
        inclusiveStartPrimaryKey: start,
        exclusiveEndPrimaryKey: [{ status: 'uploaded' }, { at: long(102) }, { part: TS.INF_MIN }, { id: TS.INF_MIN }],
        limit: 2,
      });
      seen.push(...page.rows.map((r) => String(r.primaryKey[3]!.value)));
      start = page.nextStartPrimaryKey ? page.nextStartPrimaryKey.map((k) => ({ [k.name]: k.value })) : null;
    }
    assert.deepEqual(seen, ['j6', 'j4', 'j2']);
  });

  test('index tables are read-only', async () => {
    await client.createTable(jobsTable('ro', [byStatus('ro_by_status')]));
    const key = [{ status: 'failed' }, { at: long(1) }, { part: 'p' }, { id: 'x' }];
    const put = await rejection(client.putRow({ tableName: 'ro_by_status', primaryKey: key, attributeColumns: [{ note: 'x' }], condition: cond('IGNORE') }));
    assert.equal(put.code, 'OTSParameterInvalid');
    const del = await rejection(client.deleteRow({ tableName: 'ro_by_status', primaryKey: key, condition: cond('IGNORE') }));
    assert.equal(del.code, 'OTSParameterInvalid');
  });

  test('limits: five indexes per table, 1-4 index columns, 32 attributes, versions and TTL; nothing is created on refusal', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `six_${i}`, primaryKey: ['status'], definedColumn: [] }));
    assert.deepEqual(await rejection(client.createTable(jobsTable('six', six))), { status: 400, code: 'OTSParameterInvalid', message: 'Number of index per table exceeds the quota:5.' });
    assert.equal((await rejection(client.describeTable({ tableName: 'six' }))).code, 'OTSObjectNotExist');

    const none = await rejection(client.createTable(jobsTable('nokey', [{ name: 'nokey_i', primaryKey: [], definedColumn: ['note'] }])));
    assert.equal(none.message, 'The number of primary key columns must be in range: [1, 4] in index.');
    const five = await rejection(client.createTable(jobsTable('fivekey', [{ name: 'fivekey_i', primaryKey: ['status', 'at', 'note', 'part', 'id'], definedColumn: [] }])));
    assert.equal(five.message, 'The number of primary key columns must be in range: [1, 4] in index.');
    const double = await rejection(client.createTable(jobsTable('dbl', [{ name: 'dbl_i', primaryKey: ['ratio'], definedColumn: [] }])));
    assert.equal(double.code, 'OTSParameterInvalid');
    const unknown = await rejection(client.createTable(jobsTable('unk', [{ name: 'unk_i', primaryKey: ['nope'], definedColumn: [] }])));
    assert.equal(unknown.code, 'OTSParameterInvalid');

    assert.equal((await rejection(client.createTable(jobsTable('versions', [byStatus('versions_i')], { maxVersions: 2 })))).code, 'OTSParameterInvalid');
    assert.equal((await rejection(client.createTable(jobsTable('ttl', [byStatus('ttl_i')], { timeToLive: 86400 })))).code, 'OTSParameterInvalid');
    // Without indexes the same options are fine.
    await client.createTable(jobsTable('versions_ok', [], { maxVersions: 2 }));
  });

  // The SDK reads includeBaseData beside indexMeta (lib/protocol/encoder.js encodeCreateIndex),
  // not inside it as @types/tablestore declares.
  test('CreateIndex indexes existing rows only with includeBaseData; DropIndex and DeleteTable remove indexes', async () => {
    await client.createTable(jobsTable('later', []));
    await client.putRow({ tableName: 'later', primaryKey: [{ part: 'p' }, { id: 'old' }], attributeColumns: [{ status: 'failed' }, { at: long(1) }], condition: cond('IGNORE') });
    await client.createIndex({ mainTableName: 'later', indexMeta: byStatus('later_with_base'), includeBaseData: true });
    await client.createIndex({ mainTableName: 'later', indexMeta: byStatus('later_new_only'), includeBaseData: false });
    await client.putRow({ tableName: 'later', primaryKey: [{ part: 'p' }, { id: 'new' }], attributeColumns: [{ status: 'failed' }, { at: long(2) }], condition: cond('IGNORE') });
    assert.deepEqual((await indexRows('later_with_base')).map((r) => r.primaryKey[3]!.value), ['old', 'new']);
    assert.deepEqual((await indexRows('later_new_only')).map((r) => r.primaryKey[3]!.value), ['new']);

    const taken = await rejection(client.createIndex({ mainTableName: 'later', indexMeta: byStatus('later_new_only'), includeBaseData: false }));
    assert.equal(taken.code, 'OTSObjectAlreadyExist');

    await client.dropIndex({ mainTableName: 'later', indexName: 'later_new_only' });
    assert.deepEqual((await client.describeTable({ tableName: 'later' })).indexMetas.map((m: { name: string }) => m.name), ['later_with_base']);
    assert.equal((await rejection(client.describeTable({ tableName: 'later_new_only' }))).code, 'OTSObjectNotExist');

    await client.deleteTable({ tableName: 'later' });
    assert.equal((await rejection(client.describeTable({ tableName: 'later_with_base' }))).code, 'OTSObjectNotExist');
  });
});

describe('Tablestore emulator: indexes survive a restart from the journal', () => {
  test('index tables and their rows are rebuilt exactly, including an index without base data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-index-journal-'));
    try {
      const schema = (name: string) => ({
        name,
        primaryKey: [{ name: 'id', type: 'STRING' as const, autoIncrement: false }],
        definedColumns: [{ name: 'status', type: 4 }],
        options: { timeToLive: -1, maxVersions: 1, deviationCellVersionInSec: 86400, allowUpdate: true },
        reservedRead: 0,
        reservedWrite: 0,
        createdAt: 1,
      });
      const index = (name: string) => ({ name, primaryKey: ['status'], definedColumns: [], type: 'GLOBAL' as const, updateMode: 'ASYNC' as const });
      const row = (id: string, status: string) => ({ primaryKey: [{ name: 'id', value: { type: 'STRING' as const, value: id } }], cells: [{ name: 'status', value: { type: 'STRING' as const, value: status } }] });

      const journal = openJournal(dir);
      const db = new Database((c) => journal.append(c));
      journal.load(db);
      db.createTable(schema('t'), [index('t_all')]);
      db.putRow('t', row('a', 'failed'), { rowExistence: 'IGNORE' }, 'RT_NONE');
      db.createIndex('t', index('t_new'), false);
      db.putRow('t', row('b', 'failed'), { rowExistence: 'IGNORE' }, 'RT_NONE');
      db.putRow('t', row('b', 'uploaded'), { rowExistence: 'IGNORE' }, 'RT_NONE');

      const reopened = openJournal(dir);
      const again = new Database((c) => reopened.append(c));
      reopened.load(again);
      const ids = (table: string) => again.snapshot().find((t) => t.schema.name === table)!.rows.map((r) => r.key.map((k) => ('value' in k.value ? String(k.value.value) : k.value.type)).join('/'));
      assert.deepEqual(ids('t_all'), ['failed/a', 'uploaded/b']);
      assert.deepEqual(ids('t_new'), ['uploaded/b']);
      assert.deepEqual(again.indexesOf('t').map((i) => i.name), ['t_all', 't_new']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
