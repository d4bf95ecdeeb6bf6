/**
 * The progress line of long runs (npm start, submit, smoke): redrawn in place on a
 * terminal; on a file or a pipe, a plain line only when it says something new, and at
 * most every few seconds, so a CI log gets a handful of distinct lines instead of the same
 * one over and over.
 */

/** Where the line is written: a terminal (isTTY) or anything else. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressLineOptions {
  /** Least time between two redraws on a terminal (default 0: every update). */
  ttyIntervalMs?: number;
  /** Least time between two plain lines (default 5000 ms). */
  plainIntervalMs?: number;
  /** A plain line whose state has not changed is printed again after this long (default: never). */
  plainRepeatMs?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/**
 * One line of progress.
 *
 * @example
 * const progress = new ProgressLine(process.stderr, { plainIntervalMs: 2000 });
 * progress.show(progressBar('jobs', 3, 9, 'uploaded: 3')); // jobs [#########...] 3/9  uploaded: 3
 * progress.finish();
 */
export class ProgressLine {
  private readonly tty: boolean;
  private readonly ttyIntervalMs: number;
  private readonly plainIntervalMs: number;
  private readonly plainRepeatMs: number;
  private readonly now: () => number;
  private latest = '';
  private lastDrawnAt = -Infinity;
  private lastDrawn = '';
  private drawn = false;
  private lastPlainAt = -Infinity;
  private lastPlain = '';
  private lastPlainState: string | undefined;

  constructor(
    private readonly out: ProgressOutput = process.stderr,
    options: ProgressLineOptions = {},
  ) {
    this.tty = Boolean(out.isTTY);
    this.ttyIntervalMs = options.ttyIntervalMs ?? 0;
    this.plainIntervalMs = options.plainIntervalMs ?? 5000;
    this.plainRepeatMs = options.plainRepeatMs ?? Infinity;
    this.now = options.now ?? Date.now;
  }

  /**
   * Shows `text`. Off a terminal it is printed when its `state` (default: the text itself;
   * pass what matters when the text also holds a clock) differs from the last printed one
   * and the interval has passed, or when `plainRepeatMs` have passed.
   */
  show(text: string, state: string = text): void {
    this.latest = text;
    const now = this.now();
    if (this.tty) {
      if (now - this.lastDrawnAt >= this.ttyIntervalMs) this.draw(text, now);
      return;
    }
    const sinceLast = now - this.lastPlainAt;
    if ((state !== this.lastPlainState && sinceLast >= this.plainIntervalMs) || sinceLast >= this.plainRepeatMs) this.writePlain(text, state, now);
  }

  /** Ends a line drawn in place, so that other output starts on a line of its own. */
  endLine(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  /** Shows the final `text` (default: the last shown) wherever it is not shown yet, and ends the line. */
  finish(text: string = this.latest): void {
    if (this.tty) {
      if (text !== '' && text !== this.lastDrawn) this.draw(text, this.now());
      this.endLine();
    } else if (text !== '' && text !== this.lastPlain) {
      this.writePlain(text, text, this.now());
    }
  }

  private draw(text: string, now: number): void {
    this.out.write(`\r\x1b[2K${text}`);
    this.lastDrawnAt = now;
    this.lastDrawn = text;
    this.drawn = true;
  }

  private writePlain(text: string, state: string, now: number): void {
    this.lastPlainAt = now;
    this.lastPlain = text;
    this.lastPlainState = state;
    this.out.write(`${text}\n`);
  }
}

/**
 * A progress bar as text: `label [####....] done/total  note`.
 *
 * @example progressBar('jobs', 3, 9, 'uploaded: 3') // 'jobs [#########...................] 3/9  uploaded: 3'
 */
export function progressBar(label: string, done: number, total: number, note = ''): string {
  const width = 28;
  const filled = total === 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${note ? '  ' + note : ''}`;
}
