// The progress line of npm start, submit and smoke: on a pipe or a file, a line only when
// something changed, at most every few seconds, and the final state once; on a terminal,
// one line redrawn in place. The clock is the test's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, ProgressLine } from '../../tools/progress';

function capture(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

describe('ProgressLine', () => {
  test('an unchanged state is never printed twice, however often it is updated', () => {
    let now = 0;
    const { out, writes } = capture(false);
    const bar = new ProgressLine(out, { plainIntervalMs: 5000, now: () => now });
    // What npm start does: an update every 250 ms for 30 s, the state changing twice.
    for (let t = 0; t <= 30_000; t += 250) {
      now = t;
      bar.show(progressBar('jobs', t < 10_000 ? 2 : t < 20_000 ? 5 : 9, 9, 'uploaded: some'));
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
    const bar = new ProgressLine(out, { plainIntervalMs: 5000, now: () => now });
    for (let done = 0; done <= 3; done++) {
      now = done * 1000;
      bar.show(progressBar('jobs', done, 4));
    }
    assert.deepEqual(writes.map((w) => w.trim().split(' ').pop()), ['0/4']);
    bar.finish();
    bar.finish();
    assert.deepEqual(writes.map((w) => w.trim().split(' ').pop()), ['0/4', '3/4']);
  });

  test('on a terminal the line is redrawn in place and ended by finish', () => {
    const { out, writes } = capture(true);
    const bar = new ProgressLine(out);
    bar.show(progressBar('jobs', 1, 2));
    bar.show(progressBar('jobs', 1, 2));
    bar.finish();
    assert.equal(writes.length, 3);
    assert.ok(writes[0]!.startsWith('\r\x1b[2K') && writes[0]!.includes('1/2'));
    assert.equal(writes[2], '\n');
  });

  test('on a terminal, redraws closer together than ttyIntervalMs are skipped; finish draws the final text and ends the line', () => {
    let now = 0;
    const { out, writes } = capture(true);
    const line = new ProgressLine(out, { ttyIntervalMs: 100, now: () => now });
    line.show('submit: 1/4');
    now = 50;
    line.show('submit: 2/4'); // within the interval: not drawn
    now = 1500;
    line.finish('submit: 4/4 done');
    assert.equal(writes.join(''), '\r\x1b[2Ksubmit: 1/4\r\x1b[2Ksubmit: 4/4 done\n');
  });

  test('off a terminal with plainRepeatMs: a changed state at once, an unchanged one again after the repeat interval', () => {
    let now = 0;
    const { out, writes } = capture(false);
    const line = new ProgressLine(out, { plainIntervalMs: 0, plainRepeatMs: 10_000, now: () => now });
    for (const [t, done] of [[0, 0], [1000, 0], [2000, 1], [3000, 1], [12_000, 1], [13_000, 2]] as const) {
      now = t;
      line.show(`${done} final, ${t / 1000} s`, `${done} final`);
    }
    assert.deepEqual(writes, ['0 final, 0 s\n', '1 final, 2 s\n', '1 final, 12 s\n', '2 final, 13 s\n']);
  });

  test('endLine ends a line drawn in place (once), so other output starts on its own line', () => {
    const { out, writes } = capture(true);
    const line = new ProgressLine(out);
    line.endLine();
    line.show('1 of 3');
    line.endLine();
    line.endLine();
    assert.deepEqual(writes, ['\r\x1b[2K1 of 3', '\n']);
  });
});
