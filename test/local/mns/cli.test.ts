// `npm run emulator:mns` (local/mns/cli.ts): its flags, the queues it creates, the ready
// lines, a clean stop on SIGTERM, and exit 2 naming the flag for a bad command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import MNSClient from '@alicloud/mns';
import { parseArgs } from '../../../local/mns/cli-args';
import { UsageError } from '../../../tools/cli';

const CLI = ['--import', 'tsx', 'local/mns/cli.ts'];

test('flags: defaults, repeated --queue, ranges', () => {
  assert.deepEqual(parseArgs([]), { port: 0, host: '127.0.0.1', queues: [], visibilityTimeout: 30 });
  assert.deepEqual(parseArgs(['--queue', 'jobs', '--queue=dead', '--visibility-timeout', '5', '--port=0']), { port: 0, host: '127.0.0.1', queues: ['jobs', 'dead'], visibilityTimeout: 5 });
  assert.equal(parseArgs(['--queue', 'a', '-h']), 'help');
  assert.throws(() => parseArgs(['--visibility-timeout', '0']), (e: unknown) => e instanceof UsageError && /--visibility-timeout must be a whole number from 1 to 43200/.test(e.message));
  assert.throws(() => parseArgs(['--queue']), (e: unknown) => e instanceof UsageError && e.message === '--queue needs a value');
});

test('creates the queues, prints the endpoint and key id, serves @alicloud/mns, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [...CLI, '--queue', 'cli-jobs', '--visibility-timeout', '7'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (/^ {2}queues: cli-jobs$/m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  try {
    const url = /^MNS emulator on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    const accountId = / {2}accountId=(\d+) /.exec(out)?.[1];
    const keyId = / {2}accessKeyId=(\S+) /.exec(out)?.[1];
    assert.ok(url && accountId && keyId, out);
    // The secret is not printed; the README names the built-in local value.
    const client = new MNSClient(accountId, { endpoint: url, accessKeyId: keyId, accessKeySecret: 'local-mns-secret' });
    const attributes = await client.getQueueAttributes('cli-jobs');
    assert.equal(String(attributes.body.VisibilityTimeout), '7');
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('a bad flag exits 2 naming it, with the usage', () => {
  const run = spawnSync(process.execPath, [...CLI, '--prot', '9000'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^emulator:mns: unknown option --prot\n\nUsage: npm run emulator:mns/);
  const help = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--visibility-timeout <s>/);
});
