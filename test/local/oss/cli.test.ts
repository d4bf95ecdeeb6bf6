// `npm run emulator:oss` (local/oss/cli.ts): the ready line, the default keys, clean
// stop on SIGTERM, and exit 2 with the flag named for a bad command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import OSS from 'ali-oss';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_REGION } from '../../../local/oss/index';
import { parseArgs } from '../../../local/oss/cli-args';
import { UsageError } from '../../../tools/cli';

const CLI = ['--import', 'tsx', 'local/oss/cli.ts'];

test('prints one ready line with the port, serves with the default keys, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [...CLI, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const match = /^OSS emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  try {
    assert.equal(out.match(/OSS emulator listening on/g)!.length, 1);
    assert.match(out, new RegExp(`^Callback public key URL prefix: ${url}/__emulator/$`, 'm'));
    assert.match(out, /^Signatures: V4 scoped to region cn-hangzhou \(V1 refused; --allow-v1 takes it\)$/m);
    const client = new OSS({ endpoint: url, region: DEFAULT_REGION, authorizationV4: true, bucket: 'cli-test', accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET });
    await client.put('k.txt', Buffer.from('v'));
    assert.equal((await client.get('k.txt')).content.toString(), 'v');
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('a bad flag exits 2 naming the flag', () => {
  const unknown = spawnSync(process.execPath, [...CLI, '--prot', '9000'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --prot/);
  const badPort = spawnSync(process.execPath, [...CLI, '--port', 'nine'], { encoding: 'utf8' });
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /--port must be a whole number/);
  const missing = spawnSync(process.execPath, [...CLI, '--data-dir'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--data-dir needs a value/);
});

test('--allow-v1 and --region', () => {
  assert.deepEqual(parseArgs(['--allow-v1', '--region', 'oss-cn-shanghai']), { allowV1: true, region: 'oss-cn-shanghai' });
  assert.deepEqual(parseArgs(['--region=ap-southeast-1']), { region: 'ap-southeast-1' });
  assert.deepEqual(parseArgs([]), {}, 'V4 only unless asked');
  assert.throws(() => parseArgs(['--allow-v1=yes']), UsageError);
  assert.throws(() => parseArgs(['--region', 'Hangzhou']), /--region must be a region id/);
  const help = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--allow-v1/);
});

test('--help prints the usage and exits 0', () => {
  const help = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--access-key-secret/);
});
