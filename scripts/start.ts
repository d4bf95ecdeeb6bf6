/**
 * `npm start`: the whole pipeline on this machine. Builds the bundles, starts the local
 * stack (OSS, Tablestore and MNS emulators, FC host, MNS trigger, source server), sends
 * the sample jobs through the queue, shows progress, prints every job's record, and
 * stops everything (unless --keep-running).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from '../local/stack';
import { readJobsFile, type JobLine } from '../local/jobs-file';
import { ProgressBar } from '../local/progress';
import type { JobRecord, RecordStatus } from '../lib/records/record';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `usage: npm start [-- --jobs <file.jsonl>] [--keep-running] [--timeout <seconds>] [--bundles-dir <dir>]

Runs the whole pipeline locally and offline: builds the bundles (dist/), starts the OSS,
Tablestore and MNS emulators, the FC host with the functions, the MNS trigger and a
source server; sends the jobs (default examples/jobs.jsonl) through the queue; waits
until every job has its final record; prints the records; stops everything.

  --jobs <file>      JSONL jobs to send; \${SOURCES_URL} is replaced by the source server's URL
  --keep-running     leave the stack up afterwards and print how to send more jobs (Ctrl-C stops)
  --timeout <s>      give up waiting for records after this many seconds (default 120)
  --bundles-dir <d>  build the bundles into this directory instead of dist/ (so a test
                     can run npm start while other runs use dist/)

Exit status: 0 when every job ended as expected (valid jobs uploaded, invalid ones failed).`;

interface Args {
  jobs: string;
  keepRunning: boolean;
  timeoutMs: number;
  bundlesDir: string;
}

function parseArgs(argv: string[]): Args | 'help' {
  const args: Args = { jobs: path.join(ROOT, 'examples', 'jobs.jsonl'), keepRunning: false, timeoutMs: 120_000, bundlesDir: path.join(ROOT, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--keep-running') args.keepRunning = true;
    else if (arg === '--jobs') {
      if (!argv[i + 1]) throw new UsageError('--jobs needs a file');
      args.jobs = path.resolve(argv[++i]!);
    } else if (arg === '--bundles-dir') {
      if (!argv[i + 1]) throw new UsageError('--bundles-dir needs a directory');
      args.bundlesDir = path.resolve(argv[++i]!);
    } else if (arg === '--timeout') {
      const seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout needs a positive number of seconds');
      args.timeoutMs = seconds * 1000;
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return args;
}

class UsageError extends Error {}

/** What each job id should end as: uploaded if any of its lines is a valid job, else failed. */
function expectations(lines: JobLine[]): Map<string, { expected: RecordStatus; sends: number }> {
  const out = new Map<string, { expected: RecordStatus; sends: number }>();
  for (const line of lines) {
    if (!line.jobId) continue;
    const entry = out.get(line.jobId) ?? { expected: 'failed' as RecordStatus, sends: 0 };
    entry.sends += 1;
    if (line.job) entry.expected = 'uploaded';
    out.set(line.jobId, entry);
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, n) => r.map((c, i) => (i >= 2 && i <= 4 && n > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function run(args: Args): Promise<number> {
  const started = Date.now();
  // Assigned once the stack is up; a signal before that has nothing to stop.
  let stack: LocalStack | undefined = undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping the local stack…\n');
    await stack?.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(130));
  process.once('SIGTERM', () => void stop(143));

  process.stderr.write('building bundles and starting the local stack…\n');
  let deadLettered = 0;
  stack = await startLocalStack({
    bundlesDir: args.bundlesDir,
    onTriggerEvent: (e) => {
      if (e.type === 'dead-lettered') deadLettered += 1;
    },
  });
  process.stderr.write(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (OSS ${stack.oss.url}, Tablestore ${stack.tablestore.url}, MNS ${stack.mns.url}, FC ${stack.fc.url})\n`);

  await stack.ossClient.put('seed/source.txt', Buffer.from('A seed object, copied by the oss-source sample job.\n'));
  const lines = await readJobsFile(args.jobs, { SOURCES_URL: stack.sources.url });
  if (lines.length === 0) throw new UsageError(`${args.jobs} has no jobs`);
  for (const line of lines.filter((l) => l.error)) process.stderr.write(`line ${line.line}: invalid job (${line.error}); sending it anyway, it must end as failed\n`);
  const expected = expectations(lines);
  const unrecordable = lines.filter((l) => !l.jobId);
  for (const line of unrecordable) process.stderr.write(`line ${line.line}: no usable jobId, so it can never have a record; the queue will dead-letter it\n`);

  const sentAt = new Map<string, number>();
  for (const line of lines) {
    if (line.jobId && !sentAt.has(line.jobId)) sentAt.set(line.jobId, Date.now());
    // Base64, because @alicloud/mns writes the body into XML unescaped (a '&' would break it);
    // the uploader reads JSON text or its Base64 (docs/submitting.md, "Message encoding").
    await stack.mnsClient.sendMessage(stack.queue, { MessageBody: Buffer.from(line.text, 'utf8').toString('base64') });
  }
  process.stderr.write(`sent ${lines.length} messages (${expected.size} jobs) to queue ${stack.queue}\n`);

  const bar = new ProgressBar(expected.size, 'jobs');
  const records = new Map<string, JobRecord>();
  const finishedAt = new Map<string, number>();
  const deadline = Date.now() + args.timeoutMs;
  while (Date.now() < deadline) {
    for (const [jobId, want] of expected) {
      if (finishedAt.has(jobId)) continue;
      const record = await stack.store.getRecord(jobId);
      if (!record) continue;
      records.set(jobId, record);
      // Final once the uploader has finished handling every delivery of the job.
      if (record.deliveries >= want.sends) finishedAt.set(jobId, Date.now());
    }
    const counts: Record<string, number> = {};
    for (const r of records.values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    bar.update(finishedAt.size, Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', '));
    if (finishedAt.size === expected.size) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  bar.finish();

  const rows = [['job id', 'status', 'size', 'etag', 'seconds', 'deliveries', 'expected']];
  const problems: string[] = [];
  for (const [jobId, want] of expected) {
    const record = records.get(jobId);
    const seconds = finishedAt.has(jobId) ? ((finishedAt.get(jobId)! - sentAt.get(jobId)!) / 1000).toFixed(1) : '-';
    rows.push([jobId, record?.status ?? '(none)', record?.size === undefined ? '' : String(record.size), record?.etag ?? '', seconds, String(record?.deliveries ?? 0), want.expected]);
    if (!record) problems.push(`${jobId}: no record after ${args.timeoutMs / 1000} s`);
    else if (record.status !== want.expected) problems.push(`${jobId}: ${record.status}, expected ${want.expected}${record.error ? ` (${record.error})` : ''}`);
    else if (!finishedAt.has(jobId)) problems.push(`${jobId}: ${record.deliveries} of ${want.sends} deliveries handled`);
  }
  console.log(table(rows));
  const stats = stack.trigger?.stats();
  console.log(`\n${expected.size} jobs, ${lines.length} messages; invocations ${stats?.invocations ?? 0} (failed ${stats?.failedInvocations ?? 0}); dead-lettered ${deadLettered}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  if (problems.length > 0) console.log(`\nNOT as expected:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  else console.log('\nevery job has its expected final record.');

  if (args.keepRunning) {
    const env = Object.entries(stack.endpoints).map(([k, v]) => `${k}=${v}`).join(' \\\n  ');
    console.log(`\nThe stack keeps running. Send more jobs with:\n\n  ${env} \\\n  npm run submit -- examples/jobs.jsonl --via queue --allow-invalid\n  (or --via invoke: FC async invocation through the local FC host)\n\nUpload page (tickets, straight to OSS): ${stack.uploadPage.url}\nUpload files by ticket with the same variables: npm run submit -- examples/files/logo.png --via ticket\n\nPress Ctrl-C to stop.`);
    await new Promise(() => undefined);
  }
  await stack.close();
  return problems.length > 0 ? 1 : 0;
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(HELP);
  } else {
    process.exitCode = await run(args);
  }
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`npm start: ${error.message}\n\n${HELP}`);
    process.exitCode = 2;
  } else {
    console.error(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}
