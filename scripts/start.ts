/**
 * `npm start`: the whole pipeline on this machine. Builds the bundles, starts the local
 * stack (OSS, Tablestore and MNS emulators, FC host, MNS trigger, source server), sends
 * the sample jobs through the queue, shows progress, prints every job's record (and, for
 * a job without its final record, why, from the uploader's log), and stops everything
 * (unless --keep-running). Whatever goes wrong, it stops the stack and exits
 * (scripts/start/lifecycle.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalStack } from '../local/stack';
import { checkMessageSizes, messageBody, MNS_MAX_MESSAGE_BYTES, parseJobLines, readJobsText, usableJobId, type JobLine } from '../tools/jobs-file';
import { progressBar, ProgressLine } from '../tools/progress';
import type { JobRecord, RecordStatus } from '../lib/records/record';
import { plural } from '../lib/plural';
import { invalidIdForMessage } from '../lib/jobs/invalid-id';
import { HELP, parseStartArgs, type StartArgs } from './start/args';
import { FailureReasons } from './start/failure-reasons';
import { Lifecycle } from './start/lifecycle';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What each record id should end as: uploaded if any of its lines is a valid job, else
 * failed. A line without a usable job id is recorded as `invalid-<its message id>`.
 */
function expectations(sent: { line: JobLine; recordId: string }[]): Map<string, { expected: RecordStatus; sends: number }> {
  const out = new Map<string, { expected: RecordStatus; sends: number }>();
  for (const { line, recordId } of sent) {
    const entry = out.get(recordId) ?? { expected: 'failed' as RecordStatus, sends: 0 };
    entry.sends += 1;
    if (line.job) entry.expected = 'uploaded';
    out.set(recordId, entry);
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, n) => r.map((c, i) => (i >= 2 && i <= 4 && n > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** A value as a POSIX shell word: as it is when it is plain, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The settings block --keep-running prints: one `NAME=value \` line per setting, then a
 * command. The same lines serve `npm run submit`, `npm run results` and `npm run smoke`.
 */
function settingsBlock(endpoints: Record<string, string>, command: string): string {
  return [...Object.entries(endpoints).map(([k, v]) => `  ${k}=${shellWord(v)} \\`), `  ${command}`].join('\n');
}

/** The stack's listening addresses, as printed once it is up (every one is closed at the end). */
function addresses(stack: LocalStack): string {
  return `OSS ${stack.oss.url}, Tablestore ${stack.tablestore.url}, MNS ${stack.mns.url}, FC ${stack.fc.url} (callback ${new URL(stack.callbackUrl).origin}), sources ${stack.sources.url}`;
}

async function run(args: StartArgs, life: Lifecycle): Promise<number> {
  const started = Date.now();
  // Checked before anything starts: a missing or empty file, or a job MNS would refuse,
  // costs nothing. The source server's URL is not known yet; no URL it can have is
  // longer than this one, so no message grows past what is checked here.
  const jobsText = readJobsText(args.jobs);
  checkMessageSizes(parseJobLines(jobsText, { SOURCES_URL: 'http://127.0.0.1:65535' }, args.jobs), MNS_MAX_MESSAGE_BYTES);

  process.stderr.write('building bundles and starting the local stack…\n');
  // Loaded here, not at the top: a bad option or jobs file is reported without loading the SDKs.
  const { startLocalStack } = await import('../local/stack');
  let deadLettered = 0;
  const reasons = new FailureReasons();
  const stack = await life.startStack(() =>
    startLocalStack({
      bundlesDir: args.bundlesDir,
      basePort: args.basePort,
      onTriggerEvent: (e) => {
        if (e.type === 'dead-lettered') deadLettered += 1;
        reasons.onTriggerEvent(e);
      },
      onFunctionLog: (entry) => reasons.onFunctionLog(entry),
    }),
  );
  reasons.setSecrets([stack.tokenSecret, stack.endpoints.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '']);
  process.stderr.write(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${addresses(stack)}\n`);

  const lines = parseJobLines(jobsText, { SOURCES_URL: stack.sources.url }, args.jobs);
  await stack.ossClient.put('seed/source.txt', Buffer.from('A seed object, copied by the oss-source sample job.\n'));
  for (const line of lines.filter((l) => l.problem && usableJobId(l))) process.stderr.write(`line ${line.line}: invalid job (${line.problem}); sending it anyway, it must end as failed\n`);

  const sentAt = new Map<string, number>();
  const sent: { line: JobLine; recordId: string }[] = [];
  for (const line of lines) {
    const at = Date.now();
    const { body } = await stack.mnsClient.sendMessage(stack.queue, { MessageBody: messageBody(line.text) });
    const recordId = usableJobId(line) ?? invalidIdForMessage(body.MessageId);
    if (!usableJobId(line)) process.stderr.write(`line ${line.line}: no usable jobId (${line.problem ?? 'invalid job'}); sent anyway, it must end as failed under ${recordId}\n`);
    reasons.sent(body.MessageId, recordId);
    if (!sentAt.has(recordId)) sentAt.set(recordId, at);
    sent.push({ line, recordId });
  }
  const expected = expectations(sent);
  process.stderr.write(`sent ${plural(lines.length, 'message')} (${plural(expected.size, 'job')}) to queue ${stack.queue}\n`);

  const progress = new ProgressLine(process.stderr);
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
    progress.show(progressBar('jobs', finishedAt.size, expected.size, Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', ')));
    if (finishedAt.size === expected.size) break;
    await sleep(250);
  }
  progress.finish();

  const rows = [['job id', 'status', 'size', 'etag', 'seconds', 'deliveries', 'expected']];
  const problems: string[] = [];
  for (const [jobId, want] of expected) {
    const record = records.get(jobId);
    const seconds = finishedAt.has(jobId) ? ((finishedAt.get(jobId)! - sentAt.get(jobId)!) / 1000).toFixed(1) : '-';
    rows.push([jobId, record?.status ?? '(none)', record?.size === undefined ? '' : String(record.size), record?.etag ?? '', seconds, String(record?.deliveries ?? 0), want.expected]);
    const why = () => {
      const reason = reasons.reasonFor(jobId);
      return reason ? `; ${reason}` : '; the uploader logged nothing about it';
    };
    if (!record) problems.push(`${jobId}: no record after ${args.timeoutMs / 1000} s${why()}`);
    else if (record.status !== want.expected) problems.push(`${jobId}: ${record.status}, expected ${want.expected}${record.error ? ` (${record.error})` : ''}`);
    else if (!finishedAt.has(jobId)) problems.push(`${jobId}: ${record.deliveries} of ${plural(want.sends, 'delivery', 'deliveries')} handled${why()}`);
  }
  console.log(table(rows));
  const stats = stack.trigger?.stats();
  console.log(
    `\n${plural(expected.size, 'job')}, ${plural(lines.length, 'message')}; ${plural(stats?.invocations ?? 0, 'invocation')} (failed ${stats?.failedInvocations ?? 0}); ` +
      `dead-lettered ${deadLettered}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
  );
  if (problems.length > 0) console.log(`\nNOT as expected:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  else console.log('\nevery job has its expected final record.');

  if (args.keepRunning) {
    console.log(
      `\nThe stack keeps running. Send more jobs with:\n\n${settingsBlock(stack.endpoints, 'npm run submit -- examples/jobs.jsonl --via queue --allow-invalid')}\n\n` +
        '(or --via invoke: FC async invocation through the local FC host). The same settings run\n' +
        '`npm run results` and `npm run smoke` against this stack: put them before either command\n' +
        'instead of the last line, or `export` them.\n\n' +
        `Upload page (tickets, straight to OSS): ${stack.uploadPage.url}\n` +
        'Upload files by ticket with the same variables: npm run submit -- examples/files/logo.png --via ticket\n\nPress Ctrl-C to stop.',
    );
    await new Promise(() => undefined);
  }
  return problems.length > 0 ? 1 : 0;
}

const life = new Lifecycle();
life.install();
try {
  const args = parseStartArgs(process.argv.slice(2), ROOT);
  if (args === 'help') {
    console.log(HELP);
    await life.end(0);
  } else {
    await life.end(await run(args, life));
  }
} catch (error) {
  await life.fail(error);
}
