// `npm run results -- [jobId ...] [--status <s>] [--since <time>] [--limit N] [--json]`:
// reads job records from the results table with the same settings as the functions
// (TABLESTORE_*), by job id or listed newest first through the status index.
import { ResultsReader } from '../tools/results-reader';
import { StoreError } from '../lib/store/errors';
import { DEFAULT_LIMIT, MAX_LIMIT, parseResultsArgs, type ResultsArgs } from './results/args';
import { readCommandLine } from '../tools/cli';
import { jsonLine, table } from './results/format';
import { toolStoreConfig } from '../tools/store-settings';
import { SettingsError } from '../tools/settings-error';

const USAGE = `Usage: npm run results -- [jobId ...] [--status <s>] [--since <time>] [--limit N] [--json]

Shows job records from the results table (TABLESTORE_TABLE, default upload_results).
With job ids: those jobs' records, in the order given. Without: the newest records
(by creation time), through the table's status index; never a scan of the table.

Options:
  --status <s>     only records in status failed, stored_unconfirmed or uploaded
  --since <time>   only records created at or after <time>: a duration back from now
                   (30s, 15m, 2h, 7d) or an ISO date or date-time (2026-12-01T08:00:00Z)
  --limit <n>      at most n records (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})
  --json           one JSON object per line (the record's fields, times in epoch ms)
  -h, --help       this text
Job ids cannot be combined with --status, --since or --limit.

Environment (as the functions read it):
  TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE, TABLESTORE_TABLE (optional)
Credentials: the Alibaba Cloud SDKs' default chain, as npm run submit finds them
(ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ~/.aliyun/config.json, ~/.alibabacloud/credentials,
an ECS RAM role, …); a key allowed deploy/ram/operator-policy.json.

Exit status: 0 every named job has a record (or the listing worked); 1 a named job has
none; 2 usage or settings error; 3 the records could not be read.`;

function print(records: Parameters<typeof table>[0], args: ResultsArgs, now: number): void {
  if (args.json) {
    if (records.length > 0) process.stdout.write(`${records.map(jsonLine).join('\n')}\n`);
  } else if (records.length > 0) {
    process.stdout.write(`${table(records, now)}\n`);
  }
}

async function main(argv: string[]): Promise<number> {
  const now = Date.now();
  const args = readCommandLine({ name: 'results', usage: USAGE, parse: (given) => parseResultsArgs(given, now) }, argv);
  let config;
  try {
    ({ config } = await toolStoreConfig(process.env));
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`results: settings are missing or wrong:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n(npm run results -- --help for usage)\n`);
      return 2;
    }
    throw err;
  }

  const reader = new ResultsReader(config);
  try {
    if (args.mode === 'jobs') {
      const found = await reader.getRecords(args.jobIds);
      const records = [...found.values()].filter((r) => r !== undefined);
      print(records, args, now);
      const missing = [...found].filter(([, r]) => r === undefined).map(([id]) => id);
      for (const id of missing) process.stderr.write(`results: job ${id} has no record\n`);
      return missing.length > 0 ? 1 : 0;
    }
    const records = await reader.list(args);
    print(records, args, now);
    if (records.length === 0 && !args.json) process.stderr.write('results: no records match\n');
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      const hint =
        err.code === 'OTSObjectNotExist'
          ? args.mode === 'list'
            ? ` (is there an index ${reader.index}? npx tsx scripts/ensure-table.ts adds it)`
            : ` (does table ${reader.table} exist in instance ${config.instance}?)`
          : '';
      process.stderr.write(`results: could not read records: ${err.reason}: ${err.message}${hint}\n`);
      return 3;
    }
    throw err;
  } finally {
    reader.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
