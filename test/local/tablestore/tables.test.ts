// Table operations through the real SDK against the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { rejection, sdkClient, tableParams } from './helpers';

describe('Tablestore emulator: tables', () => {
  let emu: TablestoreEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  before(async () => {
    emu = await startTablestoreEmulator();
    client = sdkClient(emu);
  });
  after(() => emu.close());

  test('CreateTable, DescribeTable, ListTable, DeleteTable', async () => {
    await client.createTable(tableParams('results', [{ name: 'pk_hash', type: 'STRING' }, { name: 'seq', type: 'INTEGER', option: 'AUTO_INCREMENT' }]));
    const described = await client.describeTable({ tableName: 'results' });
    assert.equal(described.tableMeta.tableName, 'results');
    // protobufjs gives enums as numbers (PrimaryKeyType STRING = 2, INTEGER = 1), and an
    // absent optional enum reads as its first value through the prototype, so only own
    // properties say whether the service sent an option.
    assert.deepEqual(
      described.tableMeta.primaryKey.map((k: object & { name: string; type: number; option?: number }) => [k.name, k.type, Object.hasOwn(k, 'option') ? k.option : null]),
      [['pk_hash', 2, null], ['seq', 1, 1]],
    );
    assert.equal(described.tableStatus, 1);
    assert.equal(described.tableOptions.maxVersions, 1);
    assert.equal(described.tableOptions.timeToLive, -1);
    assert.ok(described.RequestId);
    assert.deepEqual((await client.listTable({})).tableNames, ['results']);
    await client.deleteTable({ tableName: 'results' });
    assert.deepEqual((await client.listTable({})).tableNames, []);
  });

  test('creating an existing table is OTSObjectAlreadyExist (409)', async () => {
    await client.createTable(tableParams('twice', [{ name: 'id', type: 'STRING' }]));
    assert.deepEqual(await rejection(client.createTable(tableParams('twice', [{ name: 'id', type: 'STRING' }]))), {
      status: 409,
      code: 'OTSObjectAlreadyExist',
      message: 'Requested table already exists.',
    });
  });

  test('a missing table is OTSObjectNotExist (404) for describe and delete', async () => {
    const expected = { status: 404, code: 'OTSObjectNotExist', message: 'Requested table does not exist.' };
    assert.deepEqual(await rejection(client.describeTable({ tableName: 'nope' })), expected);
    assert.deepEqual(await rejection(client.deleteTable({ tableName: 'nope' })), expected);
  });

  test('invalid schemas are OTSParameterInvalid (400)', async () => {
    assert.deepEqual(await rejection(client.createTable(tableParams('bad-name', [{ name: 'id', type: 'STRING' }]))), {
      status: 400,
      code: 'OTSParameterInvalid',
      message: "Invalid table name: 'bad-name'.",
    });
    const dup = await rejection(client.createTable(tableParams('dup', [{ name: 'a', type: 'STRING' }, { name: 'a', type: 'INTEGER' }])));
    assert.equal(dup.message, "Duplicated primary key name: 'a'.");
    const none = await rejection(client.createTable(tableParams('nokey', [])));
    assert.equal(none.code, 'OTSParameterInvalid');
  });
});
