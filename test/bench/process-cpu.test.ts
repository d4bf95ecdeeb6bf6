// bench/process-cpu.ts: the CPU a benchmark round cost this process and the processes it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { treeCpuSeconds } from '../../bench/process-cpu';

const onLinux = process.platform === 'linux';

test('counts a busy child process, not only this one', { skip: !onLinux && 'reads /proc' }, async () => {
  const before = treeCpuSeconds()!;
  const ownBefore = process.cpuUsage();
  // The child spins for 400 ms of CPU, then waits to be read before it exits.
  const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end); console.log("spun"); setInterval(() => {}, 1000);'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const used = treeCpuSeconds()! - before;
    const own = process.cpuUsage(ownBefore);
    const ownSeconds = (own.user + own.system) / 1e6;
    assert.ok(used - ownSeconds >= 0.3, `the child's ~0.4 s should be counted; the tree used ${used.toFixed(2)} s, this process ${ownSeconds.toFixed(2)} s`);
  } finally {
    child.kill();
  }
});

test('an unknown root is undefined, not zero', { skip: !onLinux && 'reads /proc' }, () => {
  assert.equal(treeCpuSeconds(2 ** 22 + 12345), undefined);
});
