// scripts/ensure-table.ts as the deploy walkthrough runs it: every missing setting named
// at once, then the table and its status index created in the Tablestore emulator (read
// back with the real SDK), an index added to a table that predates it, and a table that
// cannot take it refused with what to do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore/index';
import { integerCell, primaryKeyOf } from '../../lib/store/row';
import { runScript } from '../support/run-script';

let emu: TablestoreEmulator;
let client: TableStore.Client;
let env: Record<string, string>;

before(async () => {
  emu = await startTablestoreEmulator();
  client = new TableStore.Client({ accessKeyId: emu.accessKeyId, secretAccessKey: emu.accessKeySecret, endpoint: emu.url, instancename: emu.instance, maxRetries: 0 });
  env = {
    TABLESTORE_ENDPOINT: emu.url,
    TABLESTORE_INSTANCE: emu.instance,
    ALIBABA_CLOUD_ACCESS_KEY_ID: emu.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emu.accessKeySecret,
  };
});
after(() => emu.close());

function bareTable(tableName: string, definedColumn?: { name: string; type: number }[]): TableStore.CreateTableParams {
  return {
    tableMeta: { tableName, primaryKey: [{ name: 'pk_hash', type: 'STRING' }, { name: 'job_id', type: 'STRING' }], ...(definedColumn ? { definedColumn: definedColumn as TableStore.TableMeta['definedColumn'] } : {}) },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
  };
}

interface Described {
  tableMeta: { primaryKey: { name: string }[]; definedColumn: { name: string }[] };
  indexMetas: { name: string; primaryKey: string[] }[];
}

describe('scripts/ensure-table.ts', () => {
  test('lists every missing setting in one message and contacts nothing', async () => {
    const run = await runScript('scripts/ensure-table.ts', [], {});
    assert.equal(run.code, 2);
    for (const name of ['TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE']) assert.match(run.stderr, new RegExp(`${name} is not set`));
    // Credentials: every place the default chain looked, the environment first.
    assert.match(run.stderr, /no Alibaba Cloud credentials found[^]*1\. environment variables ALIBABA_CLOUD_ACCESS_KEY_ID/);
    const sts = await runScript('scripts/ensure-table.ts', [], { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.temporary' });
    assert.equal(sts.code, 2);
    assert.match(sts.stderr, /comes without its security token \(ALIBABA_CLOUD_SECURITY_TOKEN/);
    const bad = await runScript('scripts/ensure-table.ts', [], { ...env, TABLESTORE_ENDPOINT: 'not a url' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /TABLESTORE_ENDPOINT is not a URL/);
  });

  test('creates the table with its status index, and says so; a second run changes nothing', async () => {
    const first = await runScript('scripts/ensure-table.ts', [], { ...env, TABLESTORE_TABLE: 'fresh' });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'created table fresh and its index fresh_by_status');
    const described = (await client.describeTable({ tableName: 'fresh' })) as unknown as Described;
    assert.deepEqual(described.tableMeta.primaryKey.map((k) => k.name), ['pk_hash', 'job_id']);
    assert.deepEqual(described.tableMeta.definedColumn.map((c) => c.name), ['status', 'created_at']);
    assert.deepEqual(described.indexMetas.map((m) => [m.name, m.primaryKey]), [['fresh_by_status', ['status', 'created_at']]]);

    const again = await runScript('scripts/ensure-table.ts', [], { ...env, TABLESTORE_TABLE: 'fresh' });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'table fresh already exists with the expected key; index fresh_by_status exists');
  });

  test('adds the index to a table that predates it, indexing the records already there', async () => {
    await client.createTable(bareTable('older', [
      { name: 'status', type: TableStore.DefinedColumnType.DCT_STRING },
      { name: 'created_at', type: TableStore.DefinedColumnType.DCT_INTEGER },
    ]));
    await client.putRow({
      tableName: 'older',
      primaryKey: primaryKeyOf('before-index'),
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      attributeColumns: [{ status: 'failed' }, { recorded_by: 'uploader' }, { created_at: integerCell(1000) }],
    });
    const run = await runScript('scripts/ensure-table.ts', [], { ...env, TABLESTORE_TABLE: 'older' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /created index older_by_status/);
    const page = (await client.getRange({
      tableName: 'older_by_status',
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ status: TableStore.INF_MIN }, { created_at: TableStore.INF_MIN }, { pk_hash: TableStore.INF_MIN }, { job_id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ status: TableStore.INF_MAX }, { created_at: TableStore.INF_MAX }, { pk_hash: TableStore.INF_MAX }, { job_id: TableStore.INF_MAX }],
    })) as unknown as { rows: { primaryKey: { name: string; value: unknown }[] }[] };
    assert.deepEqual(page.rows.map((r) => r.primaryKey.find((k) => k.name === 'job_id')!.value), ['before-index']);
  });

  test('a table without the predefined columns is refused with what to do (exit 1)', async () => {
    await client.createTable(bareTable('ancient'));
    const run = await runScript('scripts/ensure-table.ts', [], { ...env, TABLESTORE_TABLE: 'ancient' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /schema_mismatch: table ancient does not declare the predefined column\(s\) status, created_at/);
    assert.match(run.stderr, /Tablestore console/);
  });
});
