// scripts/deploy.ts and scripts/ensure-table.ts as a user runs them: as child processes,
// with a PATH that does or does not hold a (fake) Serverless Devs `s` command, and
// ensure-table against the Tablestore emulator with credentials from a profile in a
// temporary HOME.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore/index';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, script), ...args], { cwd: repo, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const DEPLOY_ENV = {
  OSS_BUCKET: 'sample-bucket',
  TABLESTORE_INSTANCE: 'sampleinst',
  LOG_PROJECT: 'sample-logs',
  CALLBACK_TOKEN_SECRET: 'sample-secret',
};

describe('npm run deploy', () => {
  let dir: string;
  let emptyBin: string;
  let fakeBin: string;
  let argsFile: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-script-'));
    emptyBin = join(dir, 'empty-bin');
    fakeBin = join(dir, 'fake-bin');
    argsFile = join(dir, 'args.txt');
    mkdirSync(emptyBin);
    mkdirSync(fakeBin);
    // A stand-in for Serverless Devs: records its arguments and exits with a telling code,
    // using only shell built-ins so the test PATH needs nothing else.
    const fakeS = join(fakeBin, 's');
    writeFileSync(fakeS, `#!/bin/sh\necho "$@" > "${argsFile}"\nexit 7\n`);
    chmodSync(fakeS, 0o755);
    // Not executable: must not count as installed.
    writeFileSync(join(emptyBin, 's'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(emptyBin, 's'), 0o644);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help prints usage and succeeds', async () => {
    const run = await runScript('scripts/deploy.ts', ['--help'], { PATH: emptyBin });
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: npm run deploy/);
    assert.match(run.stdout, /CALLBACK_TOKEN_SECRET/);
  });

  test('without s on PATH: explains how to install Serverless Devs and fails', async () => {
    const run = await runScript('scripts/deploy.ts', ['-y'], { PATH: emptyBin, ...DEPLOY_ENV });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /npm install -g @serverless-devs\/s/);
    assert.match(run.stderr, /s config add/);
  });

  test('with s on PATH: runs s deploy with the extra arguments and passes its exit code on', async () => {
    rmSync(argsFile, { force: true });
    const run = await runScript('scripts/deploy.ts', ['-y', '-a', 'prod'], { PATH: `${emptyBin}:${fakeBin}`, ...DEPLOY_ENV });
    assert.equal(run.code, 7, run.stderr);
    assert.equal(readFileSync(argsFile, 'utf8').trim(), 'deploy -y -a prod');
  });

  test('refuses to deploy s.yaml while a variable it reads is unset, naming it', async () => {
    rmSync(argsFile, { force: true });
    const { CALLBACK_TOKEN_SECRET: _omitted, ...partial } = DEPLOY_ENV;
    const run = await runScript('scripts/deploy.ts', ['-y'], { PATH: fakeBin, ...partial });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /CALLBACK_TOKEN_SECRET/);
    assert.doesNotMatch(run.stderr, /OSS_BUCKET/);
    assert.throws(() => readFileSync(argsFile), /ENOENT/, 's deploy must not have run');
  });
});

describe('scripts/ensure-table.ts', () => {
  test('--help prints usage and succeeds', async () => {
    const run = await runScript('scripts/ensure-table.ts', ['--help'], {});
    assert.equal(run.code, 0);
    assert.match(run.stdout, /TABLESTORE_ENDPOINT/);
  });

  test('names the missing setting and fails without contacting anything', async () => {
    const run = await runScript('scripts/ensure-table.ts', [], { TABLESTORE_ENDPOINT: 'https://sampleinst.cn-hangzhou.ots.aliyuncs.com' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /TABLESTORE_INSTANCE is not set/);
  });

  describe('against the Tablestore emulator', () => {
    let tablestore: TablestoreEmulator;
    let dir: string;

    before(async () => {
      tablestore = await startTablestoreEmulator({ instance: 'toolsinst' });
      dir = mkdtempSync(join(tmpdir(), 'ensure-table-'));
    });

    after(async () => {
      await tablestore.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const settings = () => ({ TABLESTORE_ENDPOINT: tablestore.url, TABLESTORE_INSTANCE: tablestore.instance, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' });

    test("credentials from the Alibaba Cloud CLI's ~/.aliyun/config.json: creates the table, then finds it", async () => {
      const home = join(dir, 'cli-home');
      mkdirSync(join(home, '.aliyun'), { recursive: true });
      const profile = { name: 'admin', mode: 'AK', access_key_id: tablestore.accessKeyId, access_key_secret: tablestore.accessKeySecret };
      writeFileSync(join(home, '.aliyun', 'config.json'), JSON.stringify({ current: 'admin', profiles: [profile] }));
      const created = await runScript('scripts/ensure-table.ts', [], { ...settings(), HOME: home });
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stderr, new RegExp(`using credentials from Alibaba Cloud CLI profile ${home}/\\.aliyun/config\\.json`));
      assert.match(created.stdout, /created table upload_results/);
      const again = await runScript('scripts/ensure-table.ts', [], { ...settings(), HOME: home });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already exists with the expected key/);
      assert.doesNotMatch(created.stdout + created.stderr + again.stdout + again.stderr, new RegExp(tablestore.accessKeySecret));
    });

    test('without credentials anywhere: exit 2, naming every place looked in', async () => {
      const home = join(dir, 'empty-home');
      mkdirSync(home, { recursive: true });
      const run = await runScript('scripts/ensure-table.ts', [], { ...settings(), HOME: home });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /no Alibaba Cloud credentials found/);
      for (const place of ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ROLE_ARN', `${home}/.aliyun/config.json`, `${home}/.alibabacloud/credentials`, '100.100.100.200', 'ALIBABA_CLOUD_CREDENTIALS_URI']) {
        assert.ok(run.stderr.includes(place), place);
      }
    });
  });
});
