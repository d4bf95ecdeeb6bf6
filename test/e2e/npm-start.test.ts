// `npm start` itself, as a child process: the whole local pipeline on the sample jobs,
// built into a temporary directory (--bundles-dir) so it never touches dist/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs scripts/start.ts (what `npm start` runs) with `args`. */
function start(args: string[], timeoutMs = 100_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('e2e: npm start', () => {
  let bundlesDir: string;

  before(async () => {
    bundlesDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-npm-start-'));
  });
  after(() => rm(bundlesDir, { recursive: true, force: true }));

  test('runs the sample jobs end to end and exits 0 with every job as expected', async () => {
    const run = await start(['--bundles-dir', bundlesDir, '--timeout', '90']);
    assert.equal(run.code, 0, `exit ${String(run.code)}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /every job has its expected final record\./);
    assert.doesNotMatch(run.stdout, /NOT as expected/);
    // The table: each sample job with its final status.
    assert.match(run.stdout, /^demo-text-1\s+uploaded\s+\d+\s+[0-9A-F]{32}\s+[\d.]+\s+2\s+uploaded$/m);
    assert.match(run.stdout, /^demo-large-1\s+uploaded\s+67108864\s+[0-9A-F]{32}-8\s/m);
    assert.match(run.stdout, /^demo-invalid-1\s+failed\s/m);
    // The line without a usable job id: recorded under its message id, and said so.
    assert.match(run.stdout, /^invalid-\S+\s+failed\s.*\s1\s+failed$/m);
    assert.match(run.stderr, /no usable jobId \(jobId "demo bad id" is not .*\); sent anyway, it must end as failed under invalid-\S+/);
    // Built where it was told to, with a bundle per function.
    assert.deepEqual((await readdir(bundlesDir)).sort(), ['callback', 'ticket', 'uploader']);
    // Plurals, and progress on a pipe: a line only when it changed, ending with every job done.
    assert.match(run.stdout, /^10 jobs, 11 messages; \d+ invocations? \(failed \d+\); dead-lettered 0; /m);
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('jobs ['));
    assert.match(progress.at(-1) ?? '', /\] 10\/10 /);
    for (let i = 1; i < progress.length; i++) assert.notEqual(progress[i], progress[i - 1], `repeated progress line:\n${progress.join('\n')}`);
  });

  test('--help prints the usage, including --bundles-dir, and exits 0', async () => {
    const run = await start(['--help'], 30_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^usage: npm start/);
    assert.match(run.stdout, /--bundles-dir <d>/);
    assert.match(run.stdout, /--timeout <s>/);
    assert.match(run.stdout, /--port <first>/);
  });

  test('an unknown option or a missing value is a usage error: exit 2, message and usage on stderr', async () => {
    const unknown = await start(['--frobnicate'], 30_000);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /npm start: unknown option --frobnicate/);
    assert.match(unknown.stderr, /usage: npm start/);
    assert.equal(unknown.stdout, '');
    const missing = await start(['--bundles-dir'], 30_000);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--bundles-dir needs a directory/);
  });
});
