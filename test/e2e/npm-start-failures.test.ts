// `npm start` when things go wrong: it says why, stops whatever it started and exits
// non-zero — never hangs. Each run is a real child process in a process group of its own;
// afterwards nothing of the group may be left, and none of the ports it printed may
// listen. Deadlines are generous (a loaded machine is slow); npm start's own stop deadline
// is STOP_DEADLINE_MS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePortRange, leftInGroup, listening, printedPorts, spawnStart, type StartProcess } from './npm-start-process';

/** Far beyond what any of these runs needs; reaching it means npm start hung. */
const HANG_DEADLINE_MS = 120_000;

let dir: string;
let bundlesDir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-npm-start-failures-'));
  bundlesDir = path.join(dir, 'bundles');
});
after(() => rm(dir, { recursive: true, force: true }));

async function jobsFile(name: string, lines: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

/**
 * Waits for the exit; asserts it was not killed by the deadline and left nothing behind:
 * no process in its group, nothing listening on the ports it printed or on `ports`.
 */
async function ended(run: StartProcess, ports: number[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, killed } = await run.exited;
  const output = `${run.stdout()}\n${run.stderr()}`;
  assert.equal(killed, false, `npm start hung (killed after ${HANG_DEADLINE_MS / 1000} s):\n${output}`);
  assert.deepEqual(await leftInGroup(run.child.pid!), [], `processes left behind:\n${output}`);
  for (const port of [...printedPorts(run.stderr()), ...ports]) assert.equal(await listening(port), false, `port ${port} still listens`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('e2e: npm start fails cleanly', () => {
  test('an unreadable jobs file: exit 2, one line naming the file, no stack trace, nothing started', async () => {
    const run = await ended(spawnStart(['--bundles-dir', bundlesDir, '--jobs', path.join(dir, 'nonexistent.jsonl')], HANG_DEADLINE_MS));
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, `npm start: cannot read the jobs file ${path.join(dir, 'nonexistent.jsonl')}: no such file\n`);
    assert.equal(run.stdout, '');
  });

  test('a jobs file without a job: exit 2, saying so, nothing started', async () => {
    const file = await jobsFile('empty.jsonl', ['# nothing but a comment', '']);
    const run = await ended(spawnStart(['--bundles-dir', bundlesDir, '--jobs', file], HANG_DEADLINE_MS));
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, `npm start: ${file} has no jobs: every line is blank or a # comment\n`);
  });

  test('a 50 MB text job: refused before anything starts, naming the job and the MNS limit', async () => {
    const file = await jobsFile('big.jsonl', [{ jobId: 'small-1', source: { text: 'hi' }, target: { key: 'a.txt' } }, { jobId: 'big-text-1', source: { text: 'x'.repeat(50 * 1024 * 1024) }, target: { key: 'big.txt' } }]);
    const run = await ended(spawnStart(['--bundles-dir', bundlesDir, '--jobs', file], HANG_DEADLINE_MS));
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^npm start: 1 job is too large for an MNS message; nothing was sent:\n {2}line 2 \(job big-text-1\): its message is 69,905,\d{3} bytes\n/);
    assert.match(run.stderr, /at most 65,536 bytes \(64 KB: https:\/\/www\.alibabacloud\.com\/help\/en\/mns\/developer-reference\/queue-queue\)/);
    assert.doesNotMatch(run.stderr, /ECONNRESET|stack up/);
  });

  test('a port in use: exit 1 naming it; what had started is stopped', async () => {
    const base = await freePortRange(6);
    // The FC host's port (the fifth): OSS, Tablestore, MNS and the source server are up by then.
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(base + 4, '127.0.0.1', resolve));
    try {
      const run = await ended(spawnStart(['--bundles-dir', bundlesDir, '--port', String(base)], HANG_DEADLINE_MS), [base, base + 1, base + 2, base + 3, base + 5]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`^npm start: 127\\.0\\.0\\.1:${base + 4} is in use \\(another program, or another npm start\\)\\. Stop it, or choose other ports with --port <first>\\.$`, 'm'));
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test('an internal error while waiting (the results store refuses every read): exit 1 with the error; stack stopped', async () => {
    const file = await jobsFile('store-fails.jsonl', [{ jobId: 'never-read-1', source: { url: 'http://127.0.0.1:9/never' }, target: { key: 'n.txt' } }]);
    const start = spawnStart(['--bundles-dir', bundlesDir, '--jobs', file, '--timeout', '600'], HANG_DEADLINE_MS);
    await start.waitFor(/^sent 1 message /m);
    const [tablestore] = /Tablestore (http:\/\/127\.0\.0\.1:\d+)/.exec(start.stderr())!.slice(1);
    // The emulator's fault injection (local/faults.ts): GetRow answers 403 OTSAuthFailed from now on.
    const res = await fetch(`${tablestore}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ operation: 'GetRow', count: 100_000, status: 403, code: 'OTSAuthFailed', message: 'injected by the test' }) });
    assert.equal(res.status, 200);
    const run = await ended(start);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^npm start failed: \w*Error: .*(OTSAuthFailed|injected by the test)/m);
    assert.match(run.stderr, /stopping the local stack…/);
    assert.equal(printedPorts(run.stderr).length, 6);
  });
});

describe('e2e: npm start explains a job without a record', () => {
  test("a url job on a closed port: the uploader's reason (connect ECONNREFUSED 127.0.0.1:9), no secret; progress lines never repeat", async () => {
    const file = await jobsFile('dead-url.jsonl', [
      { jobId: 'dead-url-1', source: { url: 'http://127.0.0.1:9/report.csv?OSSAccessKeyId=LTAIexample&Signature=not-for-your-eyes' }, target: { key: 'dead.txt' } },
      { jobId: 'fine-1', source: { text: 'fine' }, target: { key: 'fine.txt' } },
    ]);
    // Long enough for the first delivery to fail (three attempts, 1.5 s of backoff) on a slow machine.
    const start = spawnStart(['--bundles-dir', bundlesDir, '--jobs', file, '--timeout', '20'], HANG_DEADLINE_MS);
    const run = await ended(start);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^fine-1\s+uploaded\s/m);
    assert.match(run.stdout, /^NOT as expected:\n {2}- dead-url-1: no record after 20 s; the uploader logged retry_later \(transient_failure\): job dead-url-1 failed 3 times with transient errors; last: fetching http:\/\/127\.0\.0\.1:9\/report\.csv failed: connect ECONNREFUSED 127\.0\.0\.1:9$/m);
    const everything = run.stdout + run.stderr;
    assert.doesNotMatch(everything, /not-for-your-eyes|Signature=|LTAIexample/);
    // Piped output: the progress bar prints a line only when it changed.
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('jobs ['));
    assert.ok(progress.length >= 1, run.stderr);
    for (let i = 1; i < progress.length; i++) assert.notEqual(progress[i], progress[i - 1], `repeated progress line:\n${progress.join('\n')}`);
    assert.match(run.stdout, /^2 jobs, 2 messages; \d+ invocations? \(failed \d+\)/m);
  });
});
