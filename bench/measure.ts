/**
 * Small measuring tools for the benchmarks: rates measured in interleaved rounds so that
 * a figure and its reference see the same machine state, and the row format of
 * bench/results.json.
 */

/**
 * One row of bench/results.json. `target`/`met` are omitted for rows without a goal.
 * `kind` says what a goal is: a `target` gates `npm run bench` (exit 1 when missed), an
 * `aim` is only reported. Rows measured in rounds carry their count and the spread (the
 * lowest and highest per-round ratio, or value when there is no reference).
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
  kind?: 'target' | 'aim';
  rounds?: number;
  spread?: [number, number];
}

/** A figure and its reference, each measured once per round in alternating rounds. */
export interface PairedRounds {
  values: readonly number[];
  references: readonly number[];
}

/**
 * The row fields of paired rounds: value and reference are the medians of their rounds;
 * the ratio is the median of the per-round ratios (each round's figure against the
 * reference measured right beside it), and the spread their lowest and highest.
 *
 * @example pairedRow({ values: [90, 100, 80], references: [300, 310, 290] }) // => { value: 90, reference: 300, ratio: 0.3, rounds: 3, spread: [0.276, 0.323] }
 */
export function pairedRow(rounds: PairedRounds): Pick<BenchRow, 'value' | 'reference' | 'ratio' | 'rounds' | 'spread'> {
  const ratios = rounds.values.map((v, i) => v / rounds.references[i]!);
  return {
    value: median(rounds.values),
    reference: median(rounds.references),
    ratio: median(ratios),
    rounds: ratios.length,
    spread: [Math.min(...ratios), Math.max(...ratios)],
  };
}

/** The goal fields of a row: `>= limit` (or `<=` for `atMost`) on its ratio or value. */
export function goal(kind: 'target' | 'aim', measured: number, limit: number, options: { atMost?: boolean; unit?: string } = {}): Pick<BenchRow, 'target' | 'met' | 'kind'> {
  const met = options.atMost ? measured <= limit : measured >= limit;
  return { kind, target: `${options.atMost ? '<=' : '>='} ${limit}${options.unit ? ` ${options.unit}` : ''}`, met };
}

/** Operations per second of `op` (sync or async), run for about `ms` milliseconds. */
export async function rate(op: () => unknown, ms: number): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 256; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    count += 256;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/**
 * Rates of several operations measured in alternating rounds (the order rotating from
 * round to round), every round's rate of each: a figure's median shrugs off a round
 * disturbed by another process, and pairedRow turns two of them into a ratio.
 */
export async function interleavedRates(ops: Record<string, () => unknown>, rounds = 7, msPerRound = 300): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  const entries = Object.entries(ops);
  for (const [name] of entries) samples[name] = [];
  for (const [, op] of entries) await rate(op, 50); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < entries.length; i++) {
      const [name, op] = entries[(r + i) % entries.length]!;
      samples[name]!.push(await rate(op, msPerRound));
    }
  }
  return samples;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number for the table: thousands separated from 100 up, two decimals below. */
export function formatNumber(n: number | undefined, unit = ''): string {
  if (n === undefined) return '';
  const text = Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Math.abs(n) >= 0.01 || n === 0 ? n.toFixed(2) : n.toPrecision(2);
  return `${text}${unit ? ' ' + unit : ''}`;
}

/** Formats rows as a fixed-width text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'value', 'reference', 'ratio', 'spread (rounds)', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.name,
    formatNumber(r.value, r.unit),
    r.reference === undefined ? '' : formatNumber(r.reference, r.unit),
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.spread === undefined ? '' : `${r.spread[0].toFixed(r.ratio === undefined ? 1 : 3)}–${r.spread[1].toFixed(r.ratio === undefined ? 1 : 3)} (${r.rounds ?? '?'})`,
    r.target === undefined ? '' : `${r.target}${r.kind === 'aim' ? ' (aim)' : ''}`,
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}

/**
 * What `npm run bench` says after the table: targets met and missed (a missed target is
 * the only thing that fails the run), then aims, which are reported and never fail it.
 */
export function verdict(rows: readonly BenchRow[]): { lines: string[]; failed: boolean } {
  const targets = rows.filter((r) => r.kind !== 'aim' && r.met !== undefined);
  const aims = rows.filter((r) => r.kind === 'aim' && r.met !== undefined);
  const missed = targets.filter((r) => !r.met);
  const lines = [`targets: ${targets.length - missed.length} of ${targets.length} met${missed.length ? `; MISSED: ${missed.map((r) => r.name).join('; ')}` : ''}`];
  if (aims.length > 0) lines.push(`aims (reported, never failing the run): ${aims.map((r) => `${r.name} ${r.met ? 'reached' : 'not reached'}`).join('; ')}`);
  return { lines, failed: missed.length > 0 };
}
