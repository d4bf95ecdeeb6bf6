/**
 * Progress of a run on stderr: one line rewritten in place on a terminal, a plain line
 * every few seconds otherwise (logs and CI keep readable output).
 */

export interface ProgressCounts {
  done: number;
  sent: number;
  failed: number;
  total: number;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** Writes the final state and ends the in-place line. */
  finish(counts: ProgressCounts): void;
}

function format(c: ProgressCounts, elapsedMs: number): string {
  const pct = c.total === 0 ? 100 : Math.floor((c.done / c.total) * 100);
  return `submit: ${c.done}/${c.total} (${pct}%) sent ${c.sent}, failed ${c.failed}, ${(elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * A progress reporter writing to `stream`.
 *
 * @example
 * const progress = createProgress(process.stderr);
 * progress.update({ done: 3, sent: 3, failed: 0, total: 10 });
 */
export function createProgress(stream: NodeJS.WriteStream, options: { intervalMs?: number; now?: () => number } = {}): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const tty = stream.isTTY === true;
  // A terminal redraws at most ~10 times a second; a log gets a line every 2 s.
  const interval = options.intervalMs ?? (tty ? 100 : 2000);
  let last = -Infinity;
  let drawn = false;
  const write = (c: ProgressCounts) => {
    if (tty) {
      stream.write(`\r\x1b[2K${format(c, now() - started)}`);
      drawn = true;
    } else stream.write(`${format(c, now() - started)}\n`);
  };
  return {
    update(c) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      write(c);
    },
    finish(c) {
      write(c);
      if (tty && drawn) stream.write('\n');
    },
  };
}
