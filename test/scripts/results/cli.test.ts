// `npm run results` as a child process against the Tablestore emulator, on a table made by
// the project's own RecordStore.ensureTable (so with its status index) and rows in the
// layout lib/store/row.ts writes, read through the real tablestore SDK.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import type { Outcome } from '../../../lib/records/record';
import { integerCell, outcomeCells, primaryKeyOf } from '../../../lib/store/row';
import { RecordStore } from '../../../lib/store/store';
import { runScript } from '../../support/run-script';

const HOUR = 3_600_000;
let emu: TablestoreEmulator;
let env: Record<string, string>;
const now = Date.now();

/** Writes a record as the store lays it out, created `agoMs` ago. */
async function seed(client: TableStore.Client, table: string, outcome: Outcome, agoMs: number, deliveries = 1): Promise<void> {
  const at = now - agoMs;
  await client.putRow({
    tableName: table,
    primaryKey: primaryKeyOf(outcome.jobId),
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    attributeColumns: [...outcomeCells(outcome, at), { deliveries: integerCell(deliveries) }, { created_at: integerCell(at) }],
  });
}

const results = (args: string[], extra: Record<string, string> = {}) => runScript('scripts/results.ts', args, { ...env, ...extra });
const jsonIds = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { jobId: string }).jobId);

before(async () => {
  emu = await startTablestoreEmulator();
  env = {
    TABLESTORE_ENDPOINT: emu.url,
    TABLESTORE_INSTANCE: emu.instance,
    TABLESTORE_TABLE: 'upload_results',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emu.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emu.accessKeySecret,
  };
  const store = new RecordStore({ endpoint: emu.url, instance: emu.instance, table: 'upload_results', credentials: { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret } });
  await store.ensureTable();
  store.close();
  const client = new TableStore.Client({ accessKeyId: emu.accessKeyId, secretAccessKey: emu.accessKeySecret, endpoint: emu.url, instancename: emu.instance, maxRetries: 0 });
  await seed(client, 'upload_results', { jobId: 'old-ok', status: 'uploaded', recordedBy: 'callback', bucket: 'b', object: 'photos/old.jpg', size: 2048 }, 3 * HOUR);
  await seed(client, 'upload_results', { jobId: 'old-bad', status: 'failed', recordedBy: 'uploader', error: 'source answered 404' }, 2 * HOUR, 3);
  await seed(client, 'upload_results', { jobId: 'new-bad', status: 'failed', recordedBy: 'uploader', error: 'connect ECONNREFUSED 127.0.0.1:9\nsecond line' }, 20 * 60_000);
  await seed(client, 'upload_results', { jobId: 'new-ok', status: 'uploaded', recordedBy: 'callback', bucket: 'b', object: 'docs/new.pdf', size: 5 * 1024 * 1024 }, 5 * 60_000);
  await seed(client, 'upload_results', { jobId: 'half', status: 'stored_unconfirmed', recordedBy: 'uploader', bucket: 'b', object: 'x.bin', size: 10 }, 60_000);
  // A table created by hand without the index, for the error path.
  await client.createTable({
    tableMeta: { tableName: 'bare', primaryKey: [{ name: 'pk_hash', type: 'STRING' }, { name: 'job_id', type: 'STRING' }] },
    tableOptions: { timeToLive: -1, maxVersions: 1 },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
  });
});

after(() => emu.close());

describe('npm run results: named jobs', () => {
  test('prints each record as a table row and exits 0 when every job has one', async () => {
    const run = await results(['old-ok', 'new-bad']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^JOB ID\s+STATUS\s+OBJECT\s+SIZE\s+DELIVERIES\s+AGE\s+ERROR$/);
    assert.match(lines[1]!, /^old-ok\s+uploaded\s+photos\/old\.jpg\s+2\.0 KiB\s+1\s+3h\s+-$/);
    // The error stays on one line.
    assert.match(lines[2]!, /^new-bad\s+failed\s+-\s+-\s+1\s+20m\s+connect ECONNREFUSED 127\.0\.0\.1:9 second line$/);
    assert.equal(lines.length, 3);
  });

  test('exits 1 and names the job when one has no record; --json gives one object per found record', async () => {
    const run = await results(['new-ok', 'never-sent', '--json']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /job never-sent has no record/);
    const [record, ...rest] = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { jobId: record!.jobId, status: record!.status, object: record!.object, size: record!.size, deliveries: record!.deliveries },
      { jobId: 'new-ok', status: 'uploaded', object: 'docs/new.pdf', size: 5 * 1024 * 1024, deliveries: 1 },
    );
    assert.equal(record!.createdAt, now - 5 * 60_000);
  });
});

describe('npm run results: listing through the status index', () => {
  test('without filters: every status, newest first', async () => {
    const run = await results(['--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(jsonIds(run.stdout), ['half', 'new-ok', 'new-bad', 'old-bad', 'old-ok']);
  });

  test('--status, --since and --limit narrow the listing', async () => {
    const failed = await results(['--status', 'failed', '--json']);
    assert.deepEqual(jsonIds(failed.stdout), ['new-bad', 'old-bad']);
    const recent = await results(['--since', '1h', '--json']);
    assert.deepEqual(jsonIds(recent.stdout), ['half', 'new-ok', 'new-bad']);
    const recentFailed = await results(['--status=failed', '--since', new Date(now - 90 * 60_000).toISOString(), '--json']);
    assert.deepEqual(jsonIds(recentFailed.stdout), ['new-bad']);
    const two = await results(['--limit', '2']);
    assert.equal(two.code, 0);
    assert.deepEqual(two.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['half', 'new-ok']);
  });

  test('an empty listing succeeds and says so', async () => {
    const run = await results(['--status', 'stored_unconfirmed', '--since', '30s']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /no records match/);
  });

  test('a table without the index: exit 3, pointing at ensure-table', async () => {
    const run = await results(['--status', 'failed'], { TABLESTORE_TABLE: 'bare' });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /bare_by_status.*scripts\/ensure-table\.ts/);
  });
});

describe('npm run results: usage and settings errors exit 2', () => {
  test('bad options, values and combinations are refused before anything is read', async () => {
    const cases: [string[], RegExp][] = [
      [['--status', 'done'], /--status must be one of failed, stored_unconfirmed, uploaded/],
      [['--limit', '0'], /--limit must be a whole number/],
      [['--since', 'yesterday'], /--since must be a duration/],
      [['--colour'], /unknown option --colour/],
      [['job-1', '--status', 'failed'], /job ids cannot be combined with --status/],
      [['bad id!'], /'bad id!' is not a job id/],
    ];
    for (const [args, message] of cases) {
      // No settings at all: a usage error must not depend on them.
      const run = await runScript('scripts/results.ts', args, {});
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });

  test('every missing setting is listed at once; --help needs none', async () => {
    const run = await runScript('scripts/results.ts', ['--status', 'failed'], {});
    assert.equal(run.code, 2);
    for (const name of ['TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE']) assert.match(run.stderr, new RegExp(`${name} is not set`));
    assert.match(run.stderr, /no Alibaba Cloud credentials found[^]*1\. environment variables ALIBABA_CLOUD_ACCESS_KEY_ID/);
    const help = await runScript('scripts/results.ts', ['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: npm run results/);
  });
});
