// Single-row operations and conditions through the real SDK against the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { attrs, cond, rejection, sdkClient, tableParams, TS } from './helpers';

describe('Tablestore emulator: rows', () => {
  let emu: TablestoreEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  const tableName = 'rows';
  const key = (id: string) => [{ pk_hash: 'ab12' }, { job_id: id }];
  const get = async (id: string, extra: object = {}) => (await client.getRow({ tableName, primaryKey: key(id), ...extra })).row;
  const put = (id: string, columns: object[], condition = cond('IGNORE'), extra: object = {}) =>
    client.putRow({ tableName, primaryKey: key(id), attributeColumns: columns, condition, ...extra });
  const update = (id: string, changes: object[], condition = cond('IGNORE'), extra: object = {}) =>
    client.updateRow({ tableName, primaryKey: key(id), updateOfAttributeColumns: changes, condition, ...extra });

  before(async () => {
    emu = await startTablestoreEmulator();
    client = sdkClient(emu);
    await client.createTable(tableParams(tableName, [{ name: 'pk_hash', type: 'STRING' }, { name: 'job_id', type: 'STRING' }]));
  });
  after(() => emu.close());

  test('PutRow then GetRow returns every value type, int64 exactly', async () => {
    await put('types', [
      { s: 'text' },
      { i: TS.Long.fromString('9007199254740993') },
      { d: 2.5 },
      { b: true },
      { bin: Buffer.from([0xde, 0xad]) },
    ]);
    const row = await get('types');
    assert.deepEqual(row.primaryKey, [{ name: 'pk_hash', value: 'ab12' }, { name: 'job_id', value: 'types' }]);
    assert.deepEqual(attrs(row), { b: 'true', bin: 'dead', d: '2.5', i: '9007199254740993', s: 'text' });
    assert.ok(row.attributes.every((a: { timestamp: unknown }) => Number(String(a.timestamp)) > 1_600_000_000_000));
  });

  test('a plain JS number is stored as DOUBLE (SDK defect), TableStore.Long as INTEGER', async () => {
    await put('numbers', [{ asDouble: 3 }, { asInt: TS.Long.fromNumber(3) }]);
    const row = await get('numbers');
    const byName = Object.fromEntries(row.attributes.map((a: { columnName: string; columnValue: unknown }) => [a.columnName, a.columnValue]));
    assert.equal(typeof byName.asDouble, 'number');
    assert.equal(typeof byName.asInt, 'object', 'integers come back as the SDK Int64 type');
  });

  test('GetRow of a missing row answers row: {}', async () => {
    assert.deepEqual(await get('missing'), {});
  });

  test('PutRow replaces the whole row', async () => {
    await put('replace', [{ a: 'one' }, { b: 'two' }]);
    await put('replace', [{ c: 'three' }]);
    assert.deepEqual(attrs(await get('replace')), { c: 'three' });
  });

  test('row existence conditions: EXPECT_NOT_EXIST and EXPECT_EXIST', async () => {
    const failed = { status: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' };
    await put('exist', [{ v: 'first' }], cond('EXPECT_NOT_EXIST'));
    assert.deepEqual(await rejection(put('exist', [{ v: 'second' }], cond('EXPECT_NOT_EXIST'))), failed);
    assert.deepEqual(await rejection(put('never', [{ v: 'x' }], cond('EXPECT_EXIST'))), failed);
    assert.deepEqual(await rejection(update('never', [{ PUT: [{ v: 'x' }] }], cond('EXPECT_EXIST'))), failed);
    await put('exist', [{ v: 'third' }], cond('EXPECT_EXIST'));
    assert.deepEqual(attrs(await get('exist')), { v: 'third' });
    assert.deepEqual(await get('never'), {});
  });

  test('UpdateRow and DeleteRow refuse EXPECT_NOT_EXIST (OTSParameterInvalid)', async () => {
    assert.deepEqual(await rejection(update('x', [{ PUT: [{ v: 'x' }] }], cond('EXPECT_NOT_EXIST'))), {
      status: 400,
      code: 'OTSParameterInvalid',
      message: 'Invalid condition: EXPECT_NOT_EXIST while updating row.',
    });
    const del = await rejection(client.deleteRow({ tableName, primaryKey: key('x'), condition: cond('EXPECT_NOT_EXIST') }));
    assert.equal(del.code, 'OTSParameterInvalid');
  });

  test('UpdateRow PUT, DELETE_ALL, DELETE (one version) and INCREMENT with RT_AFTER_MODIFY', async () => {
    await put('upd', [{ keep: 'k' }, { gone: 'g' }, { versioned: 'v', timestamp: 1_700_000_000_000 }, { n: TS.Long.fromNumber(40) }]);
    const result = await update('upd', [
      { PUT: [{ added: 'a' }] },
      { DELETE_ALL: ['gone'] },
      { DELETE: [{ versioned: 1_700_000_000_000 }] },
      { INCREMENT: [{ n: TS.Long.fromNumber(2) }] },
      { INCREMENT: [{ fresh: TS.Long.fromNumber(5) }] },
    ], cond('EXPECT_EXIST'), { returnContent: { returnType: TS.ReturnType.AfterModify, returnColumns: ['n'] } });
    assert.deepEqual(attrs(result.row), { n: '42' }, 'the incremented value, only for the asked column');
    assert.deepEqual(attrs(await get('upd')), { added: 'a', fresh: '5', keep: 'k', n: '42' });
  });

  test('INCREMENT of a non-integer column is OTSParameterInvalid and changes nothing', async () => {
    await put('incr', [{ s: 'text' }]);
    const err = await rejection(update('incr', [{ INCREMENT: [{ s: TS.Long.fromNumber(1) }] }]));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'OTSParameterInvalid');
    assert.deepEqual(attrs(await get('incr')), { s: 'text' });
  });

  test('UpdateRow with IGNORE creates a missing row', async () => {
    await update('created', [{ PUT: [{ status: 'failed' }] }]);
    assert.deepEqual(attrs(await get('created')), { status: 'failed' });
  });

  test('DeleteRow with a condition, and RT_PK', async () => {
    await put('del', [{ status: 'uploaded' }]);
    const notYet = await rejection(
      client.deleteRow({ tableName, primaryKey: key('del'), condition: cond('EXPECT_EXIST', new TS.SingleColumnCondition('status', 'failed', TS.ComparatorType.EQUAL)) }),
    );
    assert.equal(notYet.code, 'OTSConditionCheckFail');
    const done = await client.deleteRow({ tableName, primaryKey: key('del'), condition: cond('EXPECT_EXIST'), returnContent: { returnType: TS.ReturnType.Primarykey } });
    assert.deepEqual(done.row.primaryKey, key('del').map((k) => ({ name: Object.keys(k)[0], value: Object.values(k)[0] })));
    assert.deepEqual(await get('del'), {});
    assert.equal((await rejection(client.deleteRow({ tableName, primaryKey: key('del'), condition: cond('EXPECT_EXIST') }))).code, 'OTSConditionCheckFail');
  });

  test('single column conditions: every comparator, on integers and strings', async () => {
    await put('cmp', [{ n: TS.Long.fromNumber(10) }, { s: 'm' }]);
    const check = async (column: string, value: unknown, comparator: string) => {
      try {
        await update('cmp', [{ PUT: [{ touched: 'yes' }] }], cond('IGNORE', new TS.SingleColumnCondition(column, value, TS.ComparatorType[comparator])));
        return true;
      } catch (err) {
        const e = (await rejection(Promise.reject(err)));
        assert.equal(e.code, 'OTSConditionCheckFail');
        return false;
      }
    };
    const ten = TS.Long.fromNumber(10);
    const cases: [string, unknown, string, boolean][] = [
      ['n', ten, 'EQUAL', true], ['n', TS.Long.fromNumber(11), 'EQUAL', false],
      ['n', ten, 'NOT_EQUAL', false], ['n', TS.Long.fromNumber(9), 'NOT_EQUAL', true],
      ['n', TS.Long.fromNumber(9), 'GREATER_THAN', true], ['n', ten, 'GREATER_THAN', false],
      ['n', ten, 'GREATER_EQUAL', true], ['n', TS.Long.fromNumber(11), 'GREATER_EQUAL', false],
      ['n', TS.Long.fromNumber(11), 'LESS_THAN', true], ['n', ten, 'LESS_THAN', false],
      ['n', ten, 'LESS_EQUAL', true], ['n', TS.Long.fromNumber(9), 'LESS_EQUAL', false],
      ['n', TS.Long.fromNumber(-20), 'GREATER_THAN', true],
      ['s', 'l', 'GREATER_THAN', true], ['s', 'n', 'LESS_THAN', true], ['s', 'm', 'EQUAL', true], ['s', 'M', 'LESS_EQUAL', false],
      // A plain number is a DOUBLE operand: never equal to an INTEGER column.
      ['n', 10, 'EQUAL', false],
    ];
    for (const [column, value, comparator, passes] of cases) {
      assert.equal(await check(column, value, comparator), passes, `${column} ${comparator} ${String(value)}`);
    }
  });

  test('pass_if_missing decides a condition on a column the row lacks', async () => {
    await put('missing-col', [{ other: 'x' }]);
    const on = (passIfMissing: boolean) =>
      update('missing-col', [{ PUT: [{ v: 'y' }] }], cond('IGNORE', new TS.SingleColumnCondition('status', 'uploaded', TS.ComparatorType.EQUAL, passIfMissing)));
    await on(true);
    assert.equal((await rejection(on(false))).code, 'OTSConditionCheckFail');
  });

  test('composite conditions: AND, OR, NOT', async () => {
    await put('comp', [{ status: 'stored_unconfirmed' }, { n: TS.Long.fromNumber(1) }]);
    const single = (c: string, v: unknown, op: string) => new TS.SingleColumnCondition(c, v, TS.ComparatorType[op], false);
    const composite = (op: string, ...subs: unknown[]) => {
      const c = new TS.CompositeCondition(TS.LogicalOperator[op]);
      for (const s of subs) c.addSubCondition(s);
      return c;
    };
    const attempt = (condition: unknown) => update('comp', [{ PUT: [{ touched: 'y' }] }], cond('EXPECT_EXIST', condition));
    await attempt(composite('AND', single('status', 'stored_unconfirmed', 'EQUAL'), single('n', TS.Long.fromNumber(1), 'EQUAL')));
    assert.equal((await rejection(attempt(composite('AND', single('status', 'stored_unconfirmed', 'EQUAL'), single('n', TS.Long.fromNumber(2), 'EQUAL'))))).code, 'OTSConditionCheckFail');
    await attempt(composite('OR', single('status', 'uploaded', 'EQUAL'), single('n', TS.Long.fromNumber(1), 'EQUAL')));
    assert.equal((await rejection(attempt(composite('OR', single('status', 'uploaded', 'EQUAL'), single('n', TS.Long.fromNumber(2), 'EQUAL'))))).code, 'OTSConditionCheckFail');
    await attempt(composite('NOT', single('status', 'uploaded', 'EQUAL')));
    assert.equal((await rejection(attempt(composite('NOT', single('status', 'stored_unconfirmed', 'EQUAL'))))).code, 'OTSConditionCheckFail');
    const badNot = await rejection(attempt(composite('NOT', single('status', 'a', 'EQUAL'), single('status', 'b', 'EQUAL'))));
    assert.equal(badNot.code, 'OTSParameterInvalid');
  });

  test('GetRow columnsToGet and columnFilter', async () => {
    await put('proj', [{ a: '1' }, { b: '2' }, { c: '3' }]);
    assert.deepEqual(attrs(await get('proj', { columnsToGet: ['a', 'c'] })), { a: '1', c: '3' });
    assert.deepEqual(await get('proj', { columnsToGet: ['nothing'] }), {}, 'asking only for absent columns reads no row');
    assert.deepEqual(attrs(await get('proj', { columnFilter: new TS.SingleColumnCondition('a', '1', TS.ComparatorType.EQUAL) })), { a: '1', b: '2', c: '3' });
    assert.deepEqual(await get('proj', { columnFilter: new TS.SingleColumnCondition('a', '2', TS.ComparatorType.EQUAL) }), {});
  });

  test('primary key mismatches are OTSInvalidPK (400) with the service messages', async () => {
    const pkErr = (primaryKey: object[]) => rejection(client.putRow({ tableName, primaryKey, attributeColumns: [{ v: 'x' }], condition: cond('IGNORE') }));
    assert.deepEqual(await pkErr([{ pk_hash: 'ab' }]), { status: 400, code: 'OTSInvalidPK', message: 'Validate PK size fail. Input: 1, Meta: 2.' });
    assert.deepEqual(await pkErr([{ pk_hash: 'ab' }, { other: 'x' }]), { status: 400, code: 'OTSInvalidPK', message: 'Validate PK name fail. Input: other, Meta: job_id.' });
    assert.deepEqual(await pkErr([{ pk_hash: 'ab' }, { job_id: TS.Long.fromNumber(1) }]), {
      status: 400,
      code: 'OTSInvalidPK',
      message: 'Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING.',
    });
  });

  test('row operations on a missing table are OTSObjectNotExist (404)', async () => {
    const err = await rejection(client.getRow({ tableName: 'absent', primaryKey: key('x') }));
    assert.deepEqual(err, { status: 404, code: 'OTSObjectNotExist', message: 'Requested table does not exist.' });
  });

  test('AUTO_INCREMENT key columns get increasing values, returned with RT_PK', async () => {
    await client.createTable(tableParams('auto', [{ name: 'part', type: 'STRING' }, { name: 'seq', type: 'INTEGER', option: 'AUTO_INCREMENT' }]));
    const seqs: bigint[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await client.putRow({
        tableName: 'auto',
        primaryKey: [{ part: 'p' }, { seq: TS.PK_AUTO_INCR }],
        attributeColumns: [{ i: TS.Long.fromNumber(i) }],
        condition: cond('IGNORE'),
        returnContent: { returnType: TS.ReturnType.Primarykey },
      });
      seqs.push(BigInt(String(r.row.primaryKey[1].value)));
    }
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!, `increasing: ${seqs.join(', ')}`);
  });
});
