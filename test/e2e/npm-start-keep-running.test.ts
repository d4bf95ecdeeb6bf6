// `npm start -- --keep-running`: the block of `NAME=value \` lines it prints is all that
// `npm run submit`, `npm run results` and `npm run smoke` need against the local stack.
// The block runs as printed, through sh; what results and smoke read (the Tablestore
// settings of lib/store/config.ts, OSS_REGION/OSS_ENDPOINT/OSS_BUCKET and the keys) is
// read back from it with the same libraries. Ctrl-C then stops everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';
import { RecordStore } from '../../lib/store/store';
import { storeConfigFromEnv } from '../../lib/store/config';
import type { JobRecord } from '../../lib/records/record';
import { leftInGroup, listening, printedPorts, ROOT, spawnStart, type StartProcess } from './npm-start-process';

const HANG_DEADLINE_MS = 180_000;

/** Every setting submit (MNS_*, FC_*), results (TABLESTORE_*) and smoke (OSS_*) read, and the keys. */
const NEEDED = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'MNS_ENDPOINT',
  'MNS_ACCOUNT_ID',
  'MNS_QUEUE',
  'MNS_REGION',
  'FC_ENDPOINT',
  'FC_ACCOUNT_ID',
  'FC_REGION',
  'FC_FUNCTION',
  'TABLESTORE_ENDPOINT',
  'TABLESTORE_INSTANCE',
  'TABLESTORE_TABLE',
  'OSS_REGION',
  'OSS_ENDPOINT',
  'OSS_BUCKET',
];

/** Runs `script` with sh, with nothing in the environment but PATH (and HOME for npm's sake). */
function sh(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('e2e: npm start --keep-running', () => {
  let dir: string;
  let start: StartProcess;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-npm-start-keep-'));
  });
  after(async () => {
    if (start && start.child.exitCode === null) start.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  test('its printed settings run submit (queue and invoke), and hold what results and smoke read; Ctrl-C stops everything', async () => {
    const first = path.join(dir, 'first.jsonl');
    await writeFile(first, `${JSON.stringify({ jobId: 'keep-first-1', source: { text: 'first' }, target: { key: 'keep/first.txt' } })}\n`);
    start = spawnStart(['--bundles-dir', path.join(dir, 'bundles'), '--jobs', first, '--keep-running'], HANG_DEADLINE_MS);
    await start.waitFor(/Press Ctrl-C to stop\./);
    const stdout = start.stdout();
    assert.match(stdout, /every job has its expected final record\./);

    // The block as printed: `  NAME=value \` lines, then the submit command.
    const block = /^The stack keeps running\. Send more jobs with:\n\n((?: {2}[A-Z_]+=\S+ \\\n)+) {2}npm run submit -- examples\/jobs\.jsonl --via queue --allow-invalid\n/m.exec(stdout);
    assert.ok(block, stdout);
    const settings = Object.fromEntries([...block[1]!.matchAll(/^ {2}([A-Z_]+)=(\S+) \\$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const name of NEEDED) assert.ok(settings[name], `${name} is not in the printed block`);
    assert.equal(settings.OSS_REGION, 'cn-hangzhou');
    assert.match(stdout, /`npm run results` and `npm run smoke`/);

    // submit, run by sh from the printed lines (only the job file is ours: a small one).
    // ${SOURCES_URL} is expanded by submit from the block's SOURCES_URL.
    await writeFile(path.join(dir, 'queue.jsonl'), `${JSON.stringify({ jobId: 'keep-queue-1', source: { url: '${SOURCES_URL}/files/report.csv' }, target: { key: 'keep/queue.csv' } })}\n`);
    await writeFile(path.join(dir, 'invoke.jsonl'), `${JSON.stringify({ jobId: 'keep-invoke-1', source: { text: 'by invoke' }, target: { key: 'keep/invoke.txt' } })}\n`);
    const submit = (file: string, via: string) => `${block[1]}  node --import tsx scripts/submit.ts ${file} --via ${via}`;
    const viaQueue = await sh(submit(path.join(dir, 'queue.jsonl'), 'queue'));
    assert.equal(viaQueue.code, 0, `${viaQueue.stdout}\n${viaQueue.stderr}`);
    assert.match(viaQueue.stdout, /^Sent 1 of 1 job to MNS queue/m);
    const viaInvoke = await sh(submit(path.join(dir, 'invoke.jsonl'), 'invoke'));
    assert.equal(viaInvoke.code, 0, `${viaInvoke.stdout}\n${viaInvoke.stderr}`);

    // What `npm run results` reads: the records, with the Tablestore settings and keys of the block.
    const store = new RecordStore(storeConfigFromEnv(settings));
    const records = new Map<string, JobRecord>();
    const until = Date.now() + 90_000;
    while (records.size < 2 && Date.now() < until) {
      for (const jobId of ['keep-queue-1', 'keep-invoke-1']) {
        const record = await store.getRecord(jobId);
        if (record?.status === 'uploaded') records.set(jobId, record);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual([...records.keys()].sort(), ['keep-invoke-1', 'keep-queue-1'], start.stderr());
    assert.equal((await store.getRecord('keep-first-1'))?.status, 'uploaded');

    // What `npm run smoke` reads besides: the bucket, through OSS_ENDPOINT with the keys.
    const oss = new OSS({ endpoint: settings.OSS_ENDPOINT!, region: settings.OSS_REGION!, authorizationV4: true, bucket: settings.OSS_BUCKET!, accessKeyId: settings.ALIBABA_CLOUD_ACCESS_KEY_ID!, accessKeySecret: settings.ALIBABA_CLOUD_ACCESS_KEY_SECRET! });
    const head = await oss.head('keep/invoke.txt');
    assert.equal(head.status, 200);

    // Ctrl-C: exit 130, nothing left running or listening.
    const ports = printedPorts(start.stderr());
    assert.equal(ports.length, 6);
    start.child.kill('SIGINT');
    const { code, killed } = await start.exited;
    assert.equal(killed, false, 'npm start did not stop after SIGINT');
    assert.equal(code, 130, start.stderr());
    assert.match(start.stderr(), /interrupted: stopping the local stack…/);
    assert.deepEqual(await leftInGroup(start.child.pid!), []);
    for (const port of ports) assert.equal(await listening(port), false, `port ${port} still listens`);
  });

  test('under sh -c, as npm runs it: when the shell is killed (npm told to stop), npm start stops the stack and exits', async () => {
    const jobs = path.join(dir, 'one.jsonl');
    await writeFile(jobs, `${JSON.stringify({ jobId: 'keep-orphan-1', source: { text: 'x' }, target: { key: 'keep/orphan.txt' } })}\n`);
    const run = spawnStart(['--bundles-dir', path.join(dir, 'bundles'), '--jobs', jobs, '--keep-running'], HANG_DEADLINE_MS, { underShell: true });
    await run.waitFor(/Press Ctrl-C to stop\./);
    const ports = printedPorts(run.stderr());
    // What npm does with SIGTERM: it signals the shell, which dies without passing it on.
    run.child.kill('SIGTERM');
    const { killed } = await run.exited;
    assert.equal(killed, false, `npm start outlived its shell:\n${run.stderr()}`);
    assert.match(run.stderr(), /the process that started npm start is gone: stopping the local stack…/);
    assert.deepEqual(await leftInGroup(run.child.pid!, 30_000), []);
    for (const port of ports) assert.equal(await listening(port), false, `port ${port} still listens`);
  });
});
