// `npm run submit -- <file> --via queue` as a child process against the local MNS emulator,
// read back with the real @alicloud/mns client. Credentials come from the environment, or
// from a credentials file in a temporary HOME.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import MNSClient from '@alicloud/mns';
import { startMnsEmulator, type MnsEmulator } from '../../../local/mns/index';
import { job, jobsFile, removeJobsFiles, runSubmit } from './run-submit';

let mns: MnsEmulator;
let client: MNSClient;
let queueCounter = 0;
let emptyHome: string;

before(async () => {
  emptyHome = mkdtempSync(join(tmpdir(), 'submit-queue-home-'));
  mns = await startMnsEmulator();
  client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
});

after(async () => {
  await mns.close();
  removeJobsFiles();
  rmSync(emptyHome, { recursive: true, force: true });
});

async function freshQueue(): Promise<string> {
  queueCounter += 1;
  const name = `submit-${queueCounter}`;
  await client.createQueue(name, { VisibilityTimeout: 60 });
  return name;
}

/** The queue's settings, and no credentials but the ones a test gives: an empty HOME, no instance metadata. */
function settings(queue: string): Record<string, string> {
  return { HOME: emptyHome, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', MNS_ENDPOINT: mns.url, MNS_ACCOUNT_ID: mns.accountId, MNS_QUEUE: queue };
}

/** The queue's settings and the emulator's key pair in the environment. */
function env(queue: string): Record<string, string> {
  return {
    ...settings(queue),
    ALIBABA_CLOUD_ACCESS_KEY_ID: mns.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: mns.accessKeySecret,
  };
}

/** Every message body in the queue as it is held (receives them all; they stay invisible afterwards). */
async function drainRaw(queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    try {
      const { body } = await client.batchReceiveMessage(queue, 16, 0);
      bodies.push(...body.map((m) => m.MessageBody));
    } catch (err) {
      if (err instanceof Error && err.name === 'MNSMessageNotExistError') return bodies;
      throw err;
    }
  }
}

/** Every job in the queue: the bodies are Base64 of the job's JSON (docs/submitting.md). */
async function drain(queue: string): Promise<string[]> {
  return (await drainRaw(queue)).map((body) => Buffer.from(body, 'base64').toString('utf8'));
}

describe('npm run submit --via queue', () => {
  test("without MNS_QUEUE the queue is s.yaml's (the one its trigger reads), for the cloud and the dry run alike", async () => {
    const { MNS_QUEUE: _unused, ...withoutQueue } = env('ignored');
    const run = await runSubmit([jobsFile([job('d-1')]), '--dry-run'], withoutQueue);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /MNS queue 'oss-upload-jobs'/);
  });

  test('sends every job once, as the Base64 of its JSON (XML-special characters intact)', async () => {
    const queue = await freshQueue();
    const lines = ['# sample jobs', job('q-1', 'fish & chips <b>'), '', job('q-2', 'héllo "quoted"'), job('q-3'), job('q-4'), job('q-5')];
    const run = await runSubmit([jobsFile(lines), '--concurrency', '2'], env(queue));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Sent 5 of 5 jobs to MNS queue 'submit-\d+'/);
    assert.match(run.stderr, /submit: 5\/5 \(100%\) sent 5, failed 0/, 'a plain progress line when stderr is not a terminal');
    const bodies = await drainRaw(queue);
    const expected = lines.filter((l) => l.startsWith('{'));
    assert.ok(bodies.every((b) => /^[A-Za-z0-9+/]+={0,2}$/.test(b)), 'Base64 bodies');
    assert.deepEqual(bodies.map((b) => Buffer.from(b, 'base64').toString('utf8')).sort(), [...expected].sort());
  });

  test('invalid lines are reported with their line numbers and nothing is sent', async () => {
    const queue = await freshQueue();
    const lines = [job('ok-1'), '{"jobId":"bad id!","source":{"text":"x"},"target":{"key":"k"}}', '# comment', '{"jobId":"no-target","source":{"text":"x"}}', 'not json', job('ok-2')];
    const run = await runSubmit([jobsFile(lines)], env(queue));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /3 of 5 jobs .* are invalid; nothing was sent/);
    assert.match(run.stderr, /line 2 \(bad id!\): jobId/);
    assert.match(run.stderr, /line 4 \(no-target\): target/);
    assert.match(run.stderr, /line 5: not valid JSON/);
    assert.deepEqual(mns.queueStats(queue), { visible: 0, inflight: 0, delayed: 0 });
  });

  test('--allow-invalid sends invalid jobs (to be recorded as failed) but never non-JSON lines', async () => {
    const queue = await freshQueue();
    const invalid = '{"jobId":"inv-1","source":{"text":"x"}}';
    const run = await runSubmit([jobsFile([job('v-1'), invalid, 'garbage']), '--allow-invalid'], env(queue));
    assert.equal(run.code, 1, 'not everything was sent');
    assert.match(run.stdout, /Sent 2 of 3/);
    assert.match(run.stdout, /Invalid, sent anyway.*\n {2}line 2 \(inv-1\): target/);
    assert.match(run.stdout, /Not sent \(invalid\): 1\n {2}line 3: not valid JSON/);
    assert.deepEqual((await drain(queue)).sort(), [invalid, job('v-1')].sort());
  });

  test('--allow-invalid names the record of a line without a usable job id: invalid-<message id>', async () => {
    const queue = await freshQueue();
    const run = await runSubmit([jobsFile(['{"jobId":"space id","source":{"text":"x"},"target":{"key":"k"}}']), '--allow-invalid'], env(queue));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const printed = /line 1 \(space id\): jobId "space id" is not .*\n {4}recorded as job (invalid-\S+)/.exec(run.stdout);
    assert.ok(printed, run.stdout);
    const { body } = await client.receiveMessage(queue, 0);
    assert.equal(printed[1], `invalid-${body.MessageId}`, 'the id the uploader will record it under');
  });

  test('examples/jobs.jsonl: ${SOURCES_URL} is filled in from the environment, the duplicate is warned about, the invalid sample sent with --allow-invalid', async () => {
    const queue = await freshQueue();
    const examples = fileURLToPath(new URL('../../../examples/jobs.jsonl', import.meta.url));
    const jobLines = readFileSync(examples, 'utf8').split('\n').filter((l) => l.trim().startsWith('{'));
    const run = await runSubmit([examples, '--allow-invalid'], { ...env(queue), SOURCES_URL: 'http://127.0.0.1:8123' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /warning: job id demo-text-1 is on lines \d+, \d+/);
    assert.match(run.stdout, /Invalid, sent anyway.*\n {2}line \d+ \(demo-invalid-1\): source must have exactly one of url, text, base64, oss/);
    const bodies = await drain(queue);
    assert.equal(bodies.length, jobLines.length);
    const urls = bodies.map((b) => (JSON.parse(b) as { source: { url?: string } }).source.url).filter((u): u is string => u !== undefined);
    assert.ok(urls.length > 0 && urls.every((u) => u.startsWith('http://127.0.0.1:8123/')), urls.join(' '));
    assert.ok(bodies.some((b) => b.includes('照片/日本語 ファイル+1.txt')), 'non-ASCII text arrives intact');
  });

  test('a job larger than an MNS message is refused before sending, pointing at url/oss sources', async () => {
    const queue = await freshQueue();
    const run = await runSubmit([jobsFile([job('small'), job('huge', 'x'.repeat(70 * 1024))])], env(queue));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /line 2 \(huge\): the job is \d+ bytes; a job sent through MNS holds at most 49152 bytes \(its Base64 fills a 64 KB message\).*source\.url or source\.oss/);
    assert.equal(mns.queueStats(queue).visible, 0);
  });

  test('the limit is exact: a 49152-byte job fills a 64 KB message as Base64 and is sent; one byte more is refused', async () => {
    const queue = await freshQueue();
    const sized = (id: string, bytes: number) => job(id, 'x'.repeat(bytes - job(id, '').length));
    assert.equal(Buffer.byteLength(sized('fits', 49152)), 49152);
    const fits = await runSubmit([jobsFile([sized('fits', 49152)])], env(queue));
    assert.equal(fits.code, 0, fits.stdout + fits.stderr);
    const [body] = await drainRaw(queue);
    assert.equal(body!.length, 65536);
    const over = await runSubmit([jobsFile([sized('over', 49153)])], env(queue));
    assert.equal(over.code, 1);
    assert.match(over.stderr, /the job is 49153 bytes/);
  });

  test('missing settings are named, exit 2, nothing sent', async () => {
    const queue = await freshQueue();
    const { MNS_ACCOUNT_ID: _a, ...withoutAccount } = env(queue);
    const run = await runSubmit([jobsFile([job('m-1')])], withoutAccount);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /MNS_ACCOUNT_ID \(or ALIBABA_CLOUD_ACCOUNT_ID\) is not set/);
    assert.equal(mns.queueStats(queue).visible, 0);
  });

  test('half a key pair in the environment and nothing else: exit 2 naming the missing variable and every other place, nothing sent', async () => {
    const queue = await freshQueue();
    const run = await runSubmit([jobsFile([job('h-1')])], { ...settings(queue), ALIBABA_CLOUD_ACCESS_KEY_ID: mns.accessKeyId });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /no Alibaba Cloud credentials found/);
    assert.match(run.stderr, /1\. environment variables .*: ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set/);
    assert.match(run.stderr, new RegExp(`4\\. credentials file ${emptyHome}/\\.alibabacloud/credentials: no such file`));
    assert.match(run.stderr, /5\. ECS RAM role .*: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true/);
    assert.equal(mns.queueStats(queue).visible, 0);
  });

  test('credentials from ~/.alibabacloud/credentials (profile default), none in the environment', async () => {
    const queue = await freshQueue();
    const home = mkdtempSync(join(tmpdir(), 'submit-queue-profile-'));
    try {
      mkdirSync(join(home, '.alibabacloud'));
      // The credentials file's INI format (@alicloud/credentials src/providers/profile.ts: type access_key).
      writeFileSync(join(home, '.alibabacloud', 'credentials'), `[default]\ntype = access_key\naccess_key_id = ${mns.accessKeyId}\naccess_key_secret = ${mns.accessKeySecret}\n`);
      const run = await runSubmit([jobsFile([job('c-1'), job('c-2')])], { ...settings(queue), HOME: home });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`with credentials from credentials file ${home}/\\.alibabacloud/credentials`));
      assert.deepEqual((await drain(queue)).sort(), [job('c-1'), job('c-2')].sort());
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('a transient failure is retried; a missing queue stops the run (fatal) with a clear reason', async () => {
    const queue = await freshQueue();
    mns.faults.inject({ operation: 'SendMessage', count: 1, status: 503, code: 'ServiceUnavailable' });
    const retried = await runSubmit([jobsFile([job('r-1')])], env(queue));
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.match(retried.stdout, /Sent 1 of 1.*\n {2}1 needed a retry/);
    assert.equal((await drain(queue)).length, 1);

    const missing = await runSubmit([jobsFile([job('f-1'), job('f-2'), job('f-3')]), '--queue', 'no-such-queue', '--concurrency', '1'], env(queue));
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /Sent 0 of 3/);
    assert.match(missing.stdout, /Failed: 1\n {2}line 1 \(f-1\): .*failed with 404/);
    assert.match(missing.stdout, /Not sent after a fatal error: 2/);
  });

  test('--dry-run checks file and settings and sends nothing; --help documents the settings', async () => {
    const queue = await freshQueue();
    const dry = await runSubmit([jobsFile([job('d-1')]), '--dry-run'], env(queue));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: 1 job would go to MNS queue .*, with credentials from environment variables/);
    assert.equal(mns.queueStats(queue).visible, 0);

    const help = await runSubmit(['--help'], {});
    assert.equal(help.code, 0);
    for (const name of ['MNS_ENDPOINT', 'MNS_ACCOUNT_ID', 'MNS_QUEUE', 'FC_ENDPOINT', 'FC_ACCOUNT_ID', 'FC_REGION', 'FC_FUNCTION', 'FC_SERVICE', 'ALIBABA_CLOUD_SECURITY_TOKEN', '~/.aliyun/config.json', '~/.alibabacloud/credentials', 'ALIBABA_CLOUD_PROFILE', '--allow-invalid', '--api fc3|fc2']) {
      assert.ok(help.stdout.includes(name), `--help mentions ${name}`);
    }
    assert.match(help.stdout, /default oss-upload-uploader, from s\.yaml/);

    const usage = await runSubmit(['--via', 'carrier-pigeon', 'x.jsonl'], {});
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--via must be queue or invoke/);
  });
});
