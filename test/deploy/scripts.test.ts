// scripts/deploy.ts and scripts/ensure-table.ts as a user runs them: as child processes,
// with a PATH that does or does not hold a (fake) Serverless Devs `s` command.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
});
