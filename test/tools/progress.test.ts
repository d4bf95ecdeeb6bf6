// The progress bar of npm start on a pipe or a file: a line only when something changed,
// at most every few seconds, and the final state once. The clock is the test's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar } from '../../tools/progress';

function capture(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

describe('ProgressBar off a terminal', () => {
  test('an unchanged state is never printed twice, however often it is updated', () => {
    let now = 0;
    const { out, writes } = capture(false);
    const bar = new ProgressBar(9, 'jobs', out, { plainIntervalMs: 5000, now: () => now });
    // What npm start does: an update every 250 ms for 30 s, the state changing twice.
    for (let t = 0; t <= 30_000; t += 250) {
      now = t;
      bar.update(t < 10_000 ? 2 : t < 20_000 ? 5 : 9, 'uploaded: some');
    }
    bar.finish();
    assert.deepEqual(
      writes.map((w) => w.replace(/\[.*\]/, '[]')),
      ['jobs [] 2/9  uploaded: some\n', 'jobs [] 5/9  uploaded: some\n', 'jobs [] 9/9  uploaded: some\n'],
    );
  });

  test('changes closer together than the interval are folded; the last state is printed by finish', () => {
    let now = 0;
    const { out, writes } = capture(false);
    const bar = new ProgressBar(4, 'jobs', out, { plainIntervalMs: 5000, now: () => now });
    for (let done = 0; done <= 3; done++) {
      now = done * 1000;
      bar.update(done);
    }
    assert.deepEqual(writes.map((w) => w.trim().split(' ').pop()), ['0/4']);
    bar.finish();
    bar.finish();
    assert.deepEqual(writes.map((w) => w.trim().split(' ').pop()), ['0/4', '3/4']);
  });

  test('on a terminal the line is redrawn in place and ended by finish', () => {
    const { out, writes } = capture(true);
    const bar = new ProgressBar(2, 'jobs', out);
    bar.update(1);
    bar.update(1);
    bar.finish();
    assert.equal(writes.length, 3);
    assert.ok(writes[0]!.startsWith('\r\x1b[2K') && writes[0]!.includes('1/2'));
    assert.equal(writes[2], '\n');
  });
});
