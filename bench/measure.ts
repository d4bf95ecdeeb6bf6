/**
 * Small measuring tools for the benchmarks: rates measured in interleaved rounds so that
 * a figure and its reference see the same machine state, and the row format of
 * bench/results.json.
 */

/** One row of bench/results.json. `target`/`met` are omitted for rows without a target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
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
 * Rates of several operations measured in alternating rounds; each figure is the median
 * of its rounds, which shrugs off a round disturbed by another process.
 */
export async function interleavedRates(ops: Record<string, () => unknown>, rounds = 5, msPerRound = 300): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(ops)) samples[name] = [];
  for (const op of Object.values(ops)) await rate(op, 50); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, op] of Object.entries(ops)) samples[name]!.push(await rate(op, msPerRound));
  }
  const out: Record<string, number> = {};
  for (const [name, values] of Object.entries(samples)) out[name] = median(values);
  return out;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Formats rows as a fixed-width text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'value', 'reference', 'ratio', 'target', 'met'];
  const fmt = (n: number | undefined, unit = '') => (n === undefined ? '' : `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}${unit ? ' ' + unit : ''}`);
  const lines = rows.map((r) => [r.name, fmt(r.value, r.unit), fmt(r.reference, r.reference === undefined ? '' : r.unit), r.ratio === undefined ? '' : r.ratio.toFixed(3), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}
