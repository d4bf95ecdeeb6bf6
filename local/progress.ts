/**
 * A one-line progress bar for long runs: redrawn in place on a terminal, printed as
 * occasional plain lines when the output is a file or a pipe (CI logs stay readable).
 */
export class ProgressBar {
  private lastPlain = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** Shows `done` of the total, with a short note (e.g. counts by status). */
  update(done: number, note = ''): void {
    const width = 28;
    const filled = this.total === 0 ? width : Math.round((Math.min(done, this.total) / this.total) * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}${note ? '  ' + note : ''}`;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
    } else if (Date.now() - this.lastPlain > 2000 || done >= this.total) {
      this.lastPlain = Date.now();
      this.out.write(line + '\n');
    }
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.tty) this.out.write('\n');
  }
}
