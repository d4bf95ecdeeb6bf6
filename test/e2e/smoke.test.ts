// `npm run smoke` as a child process against the whole local stack (emulators, FC host
// running the built bundles, MNS trigger), configured only by the stack's own `endpoints`
// (what `npm start -- --keep-running` prints): probes through the queue and by async
// invocation, their records, the stage report, and the probe objects removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from '../support/run-script';
import { startE2eStack, type E2eStack } from './support';

let e2e: E2eStack;

before(async () => {
  e2e = await startE2eStack();
});
after(() => e2e?.close());

/** Keys under smoke/ still in the bucket. */
async function smokeObjects(): Promise<string[]> {
  const listed = await e2e.stack.ossClient.list({ prefix: 'smoke/', 'max-keys': 1000 }, {});
  return (listed.objects ?? []).map((o) => o.name);
}

describe('npm run smoke against the local stack', () => {
  test('every probe reaches uploaded: stage times reported, objects removed, records kept, exit 0', async () => {
    const run = await runScript('scripts/smoke.ts', ['--timeout', '90'], e2e.stack.endpoints);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /smoke: run \S+: 3 probes to MNS queue 'upload-jobs'/);
    assert.match(run.stderr, /smoke: 1 probe to function 'uploader'/);
    assert.match(run.stderr, /smoke: 4 of 4 probe records final/);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('smoke-'));
    assert.equal(rows.length, 4, run.stdout);
    assert.deepEqual(rows.map((r) => r.split(/\s{2,}/)[1]), ['queue', 'queue', 'queue', 'invoke']);
    for (const r of rows) {
      const [, , sent, uploaded, callback, seen, status] = r.split(/\s{2,}/);
      assert.equal(status, 'uploaded', r);
      for (const t of [sent, uploaded, callback, seen]) assert.match(t!, /^-?\d+\.\d s$/, r);
    }
    assert.match(run.stdout, /Removed 4 probe objects/);
    assert.match(run.stdout, /^OK: all 4 probes reached uploaded\.$/m);

    assert.deepEqual(await smokeObjects(), []);
    const ids = rows.map((r) => r.split(/\s{2,}/)[0]!);
    for (const id of ids) {
      const record = await e2e.stack.store.getRecord(id);
      assert.equal(record?.status, 'uploaded', id);
      assert.equal(record?.recordedBy, 'callback', id);
      assert.match(record?.object ?? '', new RegExp(`^smoke/[^/]+/${id}\\.txt$`));
    }
  });

  test('probes that never get a record fail the run at the deadline (exit 1); the rest are still cleaned up', async () => {
    // A queue nothing reads: its probes are sent but never uploaded.
    await e2e.stack.mnsClient.createQueue('smoke-idle', {});
    const run = await runScript('scripts/smoke.ts', ['--probes', '1', '--timeout', '4'], { ...e2e.stack.endpoints, MNS_QUEUE: 'smoke-idle' });
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('smoke-')).map((r) => r.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => [r[1], r[6]]), [['queue', 'no record'], ['invoke', 'uploaded']]);
    assert.match(run.stdout, /^FAILED: 1 of 2 probes reached uploaded\.$/m);
    assert.deepEqual(await smokeObjects(), []);
  });

  test('a queue that does not exist: the probe is reported as not sent', async () => {
    const run = await runScript('scripts/smoke.ts', ['--probes', '1', '--timeout', '30'], { ...e2e.stack.endpoints, MNS_QUEUE: 'no-such-queue' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /smoke-\S+-q1 was not sent \(queue\)/);
    assert.match(run.stdout, /smoke-\S+-q1\s+queue\s+-\s+-\s+-\s+-\s+not sent/);
  });
});

describe('npm run smoke: usage and settings', () => {
  test('every missing setting is named at once, nothing is sent (exit 2); bad options exit 2', async () => {
    const run = await runScript('scripts/smoke.ts', [], {});
    assert.equal(run.code, 2);
    for (const name of ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'MNS_ACCOUNT_ID', 'FC_ACCOUNT_ID', 'TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE', 'OSS_REGION']) {
      assert.match(run.stderr, new RegExp(`${name}[ )]`), name);
    }
    // The credentials problem once, though both destinations need the same keys.
    assert.equal(run.stderr.match(/no Alibaba Cloud credentials found/g)?.length, 1);
    const bad = await runScript('scripts/smoke.ts', ['--probes', '0'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--probes must be a whole number from 1 to 20/);
    const help = await runScript('scripts/smoke.ts', ['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: npm run smoke/);
  });
});
