/**
 * A one-line progress bar for long runs: redrawn in place on a terminal; on a file or a
 * pipe, a plain line at most every few seconds and only when it says something new, so a
 * CI log gets a handful of distinct lines instead of the same one over and over.
 */

/** Where the bar writes: a terminal (isTTY) or anything else. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Least time between two plain lines (default 5000 ms). */
  plainIntervalMs?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

export class ProgressBar {
  private readonly tty: boolean;
  private readonly plainIntervalMs: number;
  private readonly now: () => number;
  private lastPlainAt = -Infinity;
  private lastPlain = '';
  private latest = '';

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: ProgressOutput = process.stderr,
    options: ProgressBarOptions = {},
  ) {
    this.tty = Boolean(out.isTTY);
    this.plainIntervalMs = options.plainIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Shows `done` of the total, with a short note (e.g. counts by status).
   *
   * @example bar.update(3, 'uploaded: 2, failed: 1') // jobs [#########...] 3/9  uploaded: 2, failed: 1
   */
  update(done: number, note = ''): void {
    const width = 28;
    const filled = this.total === 0 ? width : Math.round((Math.min(done, this.total) / this.total) * width);
    this.latest = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}${note ? '  ' + note : ''}`;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${this.latest}`);
    } else if (this.latest !== this.lastPlain && this.now() - this.lastPlainAt >= this.plainIntervalMs) {
      this.writePlain();
    }
  }

  /** Ends the bar: a newline on a terminal; elsewhere the last state, unless already printed. */
  finish(): void {
    if (this.tty) this.out.write('\n');
    else if (this.latest !== '' && this.latest !== this.lastPlain) this.writePlain();
  }

  private writePlain(): void {
    this.lastPlainAt = this.now();
    this.lastPlain = this.latest;
    this.out.write(`${this.latest}\n`);
  }
}
