/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/results.json.
 * Figures are ratios against a reference measured in the same run, because absolute
 * times drift on a shared machine. Exit status 1 only when a target is missed (aims are
 * reported, never failing), 2 when a benchmark could not run.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchVerify } from './verify.bench';
import { benchCallback } from './callback.bench';
import { benchPipeline } from './pipeline.bench';
import { benchLargeObject } from './large-object.bench';
import { benchColdStart } from './cold-start.bench';
import { benchCallbackRuntime } from './callback-runtime.bench';
import { benchCapacity } from './capacity.bench';
import { formatTable, verdict, type BenchRow } from './measure';

const benches: Record<string, () => Promise<BenchRow[]>> = {
  verify: benchVerify,
  callback: benchCallback,
  pipeline: benchPipeline,
  'large-object': benchLargeObject,
  'cold-start': benchColdStart,
  'callback-runtime': benchCallbackRuntime,
  capacity: benchCapacity,
};

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(`usage: npm run bench [-- <name>...]\nbenchmarks: ${Object.keys(benches).join(', ')}\nwrites bench/results.json`);
    return;
  }
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const name of wanted) if (!(name in benches)) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
  const rows: BenchRow[] = [];
  for (const [name, run] of Object.entries(benches)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stderr.write(`running ${name}…\n`);
    rows.push(...(await run()));
  }
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(formatTable(rows));
  const { lines, failed } = verdict(rows);
  console.log('');
  for (const line of lines) console.log(line);
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(rows, null, 2) + '\n');
  // Only a missed target fails the run; aims are for information.
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
