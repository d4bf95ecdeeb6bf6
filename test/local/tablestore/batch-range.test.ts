// BatchWriteRow, BatchGetRow and GetRange through the real SDK against the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { attrs, cond, rejection, sdkClient, tableParams, TS } from './helpers';

type SdkRow = { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown }[] };
const keyOf = (row: SdkRow) => row.primaryKey.map((k) => String(k.value)).join('/');

describe('Tablestore emulator: batches and ranges', () => {
  let emu: TablestoreEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;

  before(async () => {
    emu = await startTablestoreEmulator();
    client = sdkClient(emu);
    await client.createTable(tableParams('kv', [{ name: 'id', type: 'STRING' }]));
    await client.createTable(tableParams('grid', [{ name: 'part', type: 'STRING' }, { name: 'n', type: 'INTEGER' }]));
  });
  after(() => emu.close());

  test('BatchWriteRow reports each row; one failing row does not undo the others', async () => {
    await client.putRow({ tableName: 'kv', primaryKey: [{ id: 'taken' }], attributeColumns: [{ v: 'old' }], condition: cond('IGNORE') });
    await client.putRow({ tableName: 'kv', primaryKey: [{ id: 'gone' }], attributeColumns: [{ v: 'old' }], condition: cond('IGNORE') });
    const result = await client.batchWriteRow({
      tables: [
        {
          tableName: 'kv',
          rows: [
            { type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }], returnContent: { returnType: TS.ReturnType.Primarykey } },
            { type: 'PUT', condition: cond('EXPECT_NOT_EXIST'), primaryKey: [{ id: 'taken' }], attributeColumns: [{ v: 'new' }] },
            { type: 'UPDATE', condition: cond('IGNORE'), primaryKey: [{ id: 'b' }], attributeColumns: [{ PUT: [{ v: '2' }] }] },
            { type: 'DELETE', condition: cond('IGNORE'), primaryKey: [{ id: 'gone' }] },
          ],
        },
      ],
    });
    const summary = result.tables.map((r: { isOk: boolean; errorCode: string | null; tableName: string }) => [r.tableName, r.isOk, r.errorCode]);
    assert.deepEqual(summary, [
      ['kv', true, null],
      ['kv', false, 'OTSConditionCheckFail'],
      ['kv', true, null],
      ['kv', true, null],
    ]);
    assert.equal(result.tables[0].primaryKey[0].value, 'a');
    const got = await client.batchGetRow({ tables: [{ tableName: 'kv', primaryKey: [[{ id: 'a' }], [{ id: 'b' }], [{ id: 'taken' }], [{ id: 'gone' }]] }] });
    const rows = got.tables[0].map((r: { isOk: boolean; primaryKey: unknown; attributes: unknown }) => (r.primaryKey ? attrs(r as never) : null));
    assert.deepEqual(rows, [{ v: '1' }, { v: '2' }, { v: 'old' }, null]);
  });

  // BatchWriteRow reference (see local/tablestore/protocol/batch-write.ts): these refuse the
  // whole request, so nothing in it is written.
  test('BatchWriteRow with the same key twice in a table, or an unknown table, is refused whole', async () => {
    const twice = await rejection(
      client.batchWriteRow({
        tables: [
          {
            tableName: 'kv',
            rows: [
              { type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'dup-other' }], attributeColumns: [{ v: '1' }] },
              { type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'dup' }], attributeColumns: [{ v: '1' }] },
              { type: 'UPDATE', condition: cond('IGNORE'), primaryKey: [{ id: 'dup' }], attributeColumns: [{ PUT: [{ v: '2' }] }] },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(twice, { status: 400, code: 'OTSParameterInvalid', message: 'The input parameter is invalid.' });
    const ghost = await rejection(
      client.batchWriteRow({
        tables: [
          { tableName: 'kv', rows: [{ type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'ghost-neighbour' }], attributeColumns: [{ v: '1' }] }] },
          { tableName: 'ghost', rows: [{ type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'x' }], attributeColumns: [{ v: '1' }] }] },
        ],
      }),
    );
    assert.equal(ghost.code, 'OTSObjectNotExist');
    const got = await client.batchGetRow({ tables: [{ tableName: 'kv', primaryKey: [[{ id: 'dup-other' }], [{ id: 'dup' }], [{ id: 'ghost-neighbour' }]] }] });
    assert.deepEqual(
      got.tables[0].map((r: { primaryKey: unknown }) => r.primaryKey),
      [null, null, null],
      'nothing of a refused batch was written',
    );
  });

  test('a row fault fails that row inside an HTTP 200 answer; capacity units are metered per row', async () => {
    emu.resetRequestCounts();
    emu.faults.inject({ operation: 'BatchWriteRow:row', count: 1, status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    const result = await client.batchWriteRow({
      tables: [
        {
          tableName: 'kv',
          rows: [
            { type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: 'f1' }], attributeColumns: [{ v: '1' }] },
            { type: 'PUT', condition: cond('EXPECT_NOT_EXIST'), primaryKey: [{ id: 'f2' }], attributeColumns: [{ v: 'x'.repeat(5000) }] },
            { type: 'UPDATE', condition: cond('EXPECT_EXIST'), primaryKey: [{ id: 'f3' }], attributeColumns: [{ PUT: [{ v: '3' }] }] },
          ],
        },
      ],
    });
    assert.deepEqual(
      result.tables.map((r: { isOk: boolean; errorCode: string | null }) => [r.isOk, r.errorCode]),
      [
        [false, 'OTSServerBusy'],
        [true, null],
        [false, 'OTSConditionCheckFail'],
      ],
    );
    // f2: 5,000+ bytes written (2 write CUs) and a key check (1 read CU); f3: a failed condition (1 + 1).
    assert.deepEqual(emu.capacityUnits(), { read: 2, write: 3 });
    assert.deepEqual({ ...result.tables[1].capacityUnit }, { read: 1, write: 2 });
    const got = await client.getRow({ tableName: 'kv', primaryKey: [{ id: 'f1' }] });
    assert.deepEqual(got.row, {}, 'the faulted row was not written');
  });

  test('BatchGetRow reports a bad key per row and reads the rest', async () => {
    const got = await client.batchGetRow({
      tables: [
        { tableName: 'kv', primaryKey: [[{ id: 'a' }], [{ wrong: 'a' }]], columnsToGet: ['v'] },
        { tableName: 'ghost', primaryKey: [[{ id: 'a' }]] },
      ],
    });
    assert.equal(got.tables[0][0].isOk, true);
    assert.deepEqual(attrs(got.tables[0][0]), { v: '1' });
    assert.equal(got.tables[0][1].isOk, false);
    assert.equal(got.tables[0][1].errorCode, 'OTSInvalidPK');
    assert.equal(got.tables[1][0].errorCode, 'OTSObjectNotExist');
  });

  test('BatchWriteRow over 200 rows is refused whole', async () => {
    const rows = Array.from({ length: 201 }, (_, i) => ({ type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ id: `r${i}` }], attributeColumns: [{ v: 'x' }] }));
    const err = await rejection(client.batchWriteRow({ tables: [{ tableName: 'kv', rows }] }));
    assert.deepEqual(err, { status: 400, code: 'OTSParameterInvalid', message: 'Rows count exceeds the upper limit: 200.' });
  });

  test('GetRange orders keys by the service rules and pages with nextStartPrimaryKey', async () => {
    const parts = ['Z', 'a', 'é', 'ab'];
    const numbers = [-5, 0, 3, 2 ** 40];
    const rows = parts.flatMap((part) =>
      numbers.map((n) => ({ type: 'PUT', condition: cond('IGNORE'), primaryKey: [{ part }, { n: TS.Long.fromNumber(n) }], attributeColumns: [{ v: `${part}${n}` }] })),
    );
    await client.batchWriteRow({ tables: [{ tableName: 'grid', rows }] });
    // Strings by UTF-8 bytes ('Z' 0x5a < 'a' 0x61 < 'ab' < 'é' 0xc3 0xa9), integers as signed int64.
    const expected = ['Z', 'a', 'ab', 'é'].flatMap((p) => numbers.map((n) => `${p}/${n}`));

    const seen: string[] = [];
    let start: unknown[] | null = [{ part: TS.INF_MIN }, { n: TS.INF_MIN }];
    let pages = 0;
    while (start) {
      const page: { rows: SdkRow[]; nextStartPrimaryKey: { name: string; value: unknown }[] | null } = await client.getRange({
        tableName: 'grid',
        direction: TS.Direction.FORWARD,
        inclusiveStartPrimaryKey: start,
        exclusiveEndPrimaryKey: [{ part: TS.INF_MAX }, { n: TS.INF_MAX }],
        limit: 5,
      });
      seen.push(...page.rows.map(keyOf));
      start = page.nextStartPrimaryKey ? page.nextStartPrimaryKey.map((k: { name: string; value: unknown }) => ({ [k.name]: k.value })) : null;
      pages += 1;
    }
    assert.deepEqual(seen, expected);
    assert.equal(pages, 4, '16 rows in pages of 5');

    const backward = await client.getRange({
      tableName: 'grid',
      direction: TS.Direction.BACKWARD,
      inclusiveStartPrimaryKey: [{ part: 'ab' }, { n: TS.Long.fromNumber(3) }],
      exclusiveEndPrimaryKey: [{ part: 'a' }, { n: TS.Long.fromNumber(0) }],
    });
    assert.deepEqual(backward.rows.map(keyOf), ['ab/3', 'ab/0', 'ab/-5', `a/${2 ** 40}`, 'a/3']);
    assert.equal(backward.nextStartPrimaryKey, null);
  });

  test('GetRange with columnsToGet and a filter; a reversed range is OTSParameterInvalid', async () => {
    const filtered = await client.getRange({
      tableName: 'grid',
      direction: TS.Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ part: 'a' }, { n: TS.INF_MIN }],
      exclusiveEndPrimaryKey: [{ part: 'a' }, { n: TS.INF_MAX }],
      columnsToGet: ['v'],
      columnFilter: new TS.SingleColumnCondition('v', 'a3', TS.ComparatorType.NOT_EQUAL),
    });
    assert.deepEqual(filtered.rows.map((r: SdkRow) => attrs(r).v), ['a-5', 'a0', `a${2 ** 40}`]);
    const err = await rejection(
      client.getRange({
        tableName: 'grid',
        direction: TS.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ part: 'b' }, { n: TS.INF_MIN }],
        exclusiveEndPrimaryKey: [{ part: 'a' }, { n: TS.INF_MAX }],
      }),
    );
    assert.equal(err.code, 'OTSParameterInvalid');
  });
});
