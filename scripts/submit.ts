// `npm run submit -- <jobs.jsonl> [options]`: sends upload jobs to a running local stack or
// to the cloud, through the MNS queue or by FC asynchronous invocation. Every line is
// checked first; with an invalid line nothing is sent. Guide: docs/submitting.md.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plural } from '../lib/plural';
import { parseSubmitArgs, DEFAULT_CONCURRENCY, type SubmitArgs } from './submit/args';
import { readCommandLine } from '../tools/cli';
import { duplicateJobIds, JobsFileError, MNS_MAX_JOB_BYTES, parseJobLines, readJobsText, usableJobId, type JobLine } from '../tools/jobs-file';
import { ProgressLine } from '../tools/progress';
import { invalidIdForEvent, invalidIdForMessage } from '../lib/jobs/invalid-id';
import { sendAll, type Outgoing, type SendResult } from './submit/send-all';
import { ASYNC_INVOKE_LIMIT_BYTES, createSender } from './submit/senders';
import { describeDestination, resolveDestination, uploaderNameFromSYaml, queueFromSYaml, DEFAULT_QUEUE, DEFAULT_REGION } from './submit/settings';
import { SettingsError } from '../tools/settings-error';
import { CredentialsError, resolveCredentials, type ResolvedCredentials } from '../tools/credentials';
import { runTicketSubmit, wantsTickets } from './submit/ticket';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const S_YAML_FUNCTION = uploaderNameFromSYaml(join(REPO, 's.yaml'));
const S_YAML_QUEUE = queueFromSYaml(join(REPO, 's.yaml'));

const USAGE = `Usage: npm run submit -- <jobs.jsonl> [options]
       npm run submit -- <file>... --via ticket   (upload files by ticket; --via ticket --help)

Sends upload jobs (one JSON job per line; blank lines and lines starting with # are
skipped) to the uploader. Every line is checked first (lib/jobs/job.ts); if any is
invalid, nothing is sent. \${NAME} in a line is replaced by the environment variable
NAME when it is set (e.g. \${SOURCES_URL}, printed by npm start -- --keep-running);
ALIBABA_CLOUD_* variables are never substituted.

Options:
  --via queue|invoke   queue (default): MNS SendMessage; the queue's trigger feeds the uploader.
                       invoke: FC asynchronous invocation of the uploader, one per job.
  --api fc3|fc2        with --via invoke: fc3 (default) calls FC 3.0's API 2023-03-30 via
                       @alicloud/fc20230330, which reaches the function s.yaml deploys; fc2
                       calls the 2016-08-15 API via @alicloud/fc2, which needs an FC 2.0
                       service (FC_SERVICE).
  --endpoint <url>     overrides MNS_ENDPOINT (queue) or FC_ENDPOINT (invoke).
  --queue <name>       overrides MNS_QUEUE.
  --function <name>    overrides FC_FUNCTION.
  --concurrency <n>    jobs in flight at once (default ${DEFAULT_CONCURRENCY}).
  --dry-run            check the file, the settings and the credentials; send nothing.
  --allow-invalid      send jobs that fail validation anyway: the uploader records each
                       as 'failed' with the reason (lines that are not JSON, or too large,
                       are still never sent).
  -h, --help           this text.

Credentials: the Alibaba Cloud SDKs' default chain (@alicloud/credentials), first found wins:
  1. ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
     (+ ALIBABA_CLOUD_SECURITY_TOKEN with temporary STS keys)
  2. OIDC: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE
  3. the Alibaba Cloud CLI's ~/.aliyun/config.json (profile ALIBABA_CLOUD_PROFILE, or its current one)
  4. ~/.alibabacloud/credentials (or ALIBABA_CLOUD_CREDENTIALS_FILE; profile ALIBABA_CLOUD_PROFILE or default)
  5. the ECS instance's RAM role (instance metadata; ALIBABA_CLOUD_ECS_METADATA_DISABLED=true skips it)
  6. ALIBABA_CLOUD_CREDENTIALS_URI
Environment:
  --via queue:
    MNS_ENDPOINT       e.g. https://<account-id>.mns.<region>.aliyuncs.com, or the local
                       emulator's URL (default: built from the account and MNS_REGION)
    MNS_ACCOUNT_ID     the queue owner's account id (or ALIBABA_CLOUD_ACCOUNT_ID); required
    MNS_REGION         region for the default endpoint (default FC_REGION, then ${DEFAULT_REGION})
    MNS_QUEUE          queue name (default ${S_YAML_QUEUE ?? DEFAULT_QUEUE}, s.yaml's vars.jobsQueue; the local
                       stack prints its own)
  --via invoke:
    FC_ENDPOINT        e.g. https://<account-id>.<region>.fc.aliyuncs.com, or the local FC
                       host's URL (default: built from FC_ACCOUNT_ID and FC_REGION)
    FC_ACCOUNT_ID      account id (or ALIBABA_CLOUD_ACCOUNT_ID); required unless FC_ENDPOINT
                       is set, and always with --api fc2
    FC_REGION          region (default ${DEFAULT_REGION}, as in s.yaml)
    FC_FUNCTION        the uploader's name (default ${S_YAML_FUNCTION ?? "s.yaml's vars.uploaderFunctionName"}, from s.yaml)
    FC_SERVICE         FC 2.0 service name, --api fc2 only

Limits: an async invocation carries at most 128 KB, an MNS message 64 KB (a job goes as
Base64, so 48 KB of JSON); put larger content behind a url or oss source instead of
inline text/base64.

Exit status: 0 when every job was sent; 1 when a job was invalid or failed to send;
2 for a usage, settings or credentials error (nothing sent).`;

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** A job line, and whether it can be sent at all: not JSON, or larger than the way allows, it never is. */
type CheckedLine = JobLine & { unsendable: boolean };

function readLines(file: string): JobLine[] {
  try {
    return parseJobLines(readJobsText(file), process.env, file);
  } catch (err) {
    if (err instanceof JobsFileError) fail(err.reason === 'no_jobs' ? 1 : 2, `submit: ${err.message}`);
    throw err;
  }
}

/** Marks the lines that can never be sent, adding why to their problem. */
function checkSizes(lines: JobLine[], limits: { maxBodyBytes: number; limitHint: string }): CheckedLine[] {
  return lines.map((line) => {
    if (line.body === undefined) return { ...line, unsendable: true };
    const bytes = Buffer.byteLength(line.body, 'utf8');
    if (bytes <= limits.maxBodyBytes) return { ...line, unsendable: false };
    const tooLarge = `the job is ${bytes} bytes; ${limits.limitHint}`;
    return { ...line, problem: line.problem ? `${line.problem}; ${tooLarge}` : tooLarge, unsendable: true };
  });
}

function label(line: JobLine | Outgoing): string {
  return `line ${line.line}${line.jobId !== undefined ? ` (${line.jobId})` : ''}`;
}

function limitFor(args: SubmitArgs): { maxBodyBytes: number; limitHint: string } {
  if (args.via === 'invoke') {
    return {
      maxBodyBytes: ASYNC_INVOKE_LIMIT_BYTES,
      limitHint: `FC async invocation takes at most ${ASYNC_INVOKE_LIMIT_BYTES} bytes (128 KB): put the content behind source.url or source.oss instead of inline text/base64`,
    };
  }
  return {
    maxBodyBytes: MNS_MAX_JOB_BYTES,
    limitHint: `a job sent through MNS holds at most ${MNS_MAX_JOB_BYTES} bytes (its Base64 fills a 64 KB message): put the content behind source.url or source.oss instead of inline text/base64`,
  };
}

/**
 * The id the uploader records an invalid line under: its own job id when usable, else
 * `invalid-<MNS message id>` (queue) or `invalid-` + 16 hex of SHA-256(body) (invocation),
 * as lib/jobs/delivery.ts names it. Undefined when the line was not sent.
 */
function recordIdOf(line: JobLine, result: SendResult | undefined, via: SubmitArgs['via']): string | undefined {
  const usable = usableJobId(line);
  if (usable !== undefined) return usable;
  if (result?.status !== 'sent') return undefined;
  if (via === 'queue') return result.id === undefined ? undefined : invalidIdForMessage(result.id);
  return invalidIdForEvent(Buffer.from(result.item.body, 'utf8'));
}

function printSummary(results: SendResult[], invalidLines: JobLine[], unsent: JobLine[], elapsedMs: number, where: string, via: SubmitArgs['via']): void {
  const sent = results.filter((r) => r.status === 'sent');
  const failed = results.filter((r) => r.status === 'failed');
  const skipped = results.filter((r) => r.status === 'skipped');
  const out: string[] = [];
  out.push(`Sent ${sent.length} of ${plural(results.length + unsent.length, 'job')} to ${where} in ${(elapsedMs / 1000).toFixed(1)} s.`);
  const retried = sent.filter((r) => r.attempts > 1).length;
  if (retried > 0) out.push(`  ${retried} needed a retry.`);
  if (invalidLines.length > 0) out.push(`Invalid, sent anyway (--allow-invalid; the pipeline records each as failed): ${invalidLines.length}`);
  for (const line of invalidLines) {
    const recordId = recordIdOf(line, results.find((r) => r.item.line === line.line), via);
    out.push(`  ${label(line)}: ${line.problem}${recordId !== undefined && recordId !== line.jobId ? `\n    recorded as job ${recordId}` : ''}`);
  }
  if (unsent.length > 0) out.push(`Not sent (invalid): ${unsent.length}`);
  for (const line of unsent) out.push(`  ${label(line)}: ${line.problem}`);
  if (failed.length > 0) out.push(`Failed: ${failed.length}`);
  for (const r of failed) out.push(`  ${label(r.item)}: ${r.reason}${r.attempts > 1 ? ` (after ${r.attempts} attempts)` : ''}`);
  if (skipped.length > 0) out.push(`Not sent after a fatal error: ${skipped.length} (${skipped[0]!.reason})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  if (wantsTickets(process.argv.slice(2))) {
    process.exitCode = await runTicketSubmit(process.argv.slice(2), process.env);
    return;
  }
  const args = readCommandLine({ name: 'submit', usage: USAGE, parse: parseSubmitArgs });

  const lines = checkSizes(readLines(args.file), limitFor(args));
  const duplicates = duplicateJobIds(lines);
  const invalid = lines.filter((l) => l.problem !== undefined);
  const unsendable = lines.filter((l) => l.unsendable);
  for (const d of duplicates) process.stderr.write(`submit: warning: job id ${d.jobId} is on lines ${d.lines.join(', ')} (each is sent; the pipeline keeps one record)\n`);
  if (invalid.length > 0 && !args.allowInvalid) {
    const report = invalid.map((l) => `  ${label(l)}: ${l.problem}`).join('\n');
    fail(1, `submit: ${invalid.length} of ${plural(lines.length, 'job')} in ${args.file} ${invalid.length === 1 ? 'is' : 'are'} invalid; nothing was sent:\n${report}\n(--allow-invalid sends invalid jobs anyway, to be recorded as failed.)`);
  }

  let destination;
  try {
    destination = resolveDestination(args, process.env, { functionName: S_YAML_FUNCTION, queue: S_YAML_QUEUE });
  } catch (err) {
    if (err instanceof SettingsError) fail(2, `submit: cannot send, settings are missing or wrong (nothing was sent):\n${err.problems.map((p) => `  ${p}`).join('\n')}\nSee npm run submit -- --help.`);
    throw err;
  }
  const where = describeDestination(destination);
  const items: Outgoing[] = lines.filter((l) => !l.unsendable).map((l) => ({ line: l.line, jobId: l.jobId, body: l.body! }));

  let resolved: ResolvedCredentials;
  try {
    resolved = await resolveCredentials();
  } catch (err) {
    if (err instanceof CredentialsError) fail(2, `submit: cannot send (nothing was sent): ${err.message}\nSee npm run submit -- --help.`);
    throw err;
  }

  if (args.dryRun) {
    process.stdout.write(`Dry run: ${plural(items.length, 'job')} would go to ${where}, with credentials from ${resolved.source}; nothing was sent.\n`);
    if (unsendable.length > 0) {
      process.stdout.write(`${unsendable.map((l) => `  ${label(l)} can never be sent: ${l.problem}`).join('\n')}\n`);
      process.exit(1);
    }
    return;
  }

  process.stderr.write(`submit: sending ${plural(items.length, 'job')} to ${where}, with credentials from ${resolved.source}\n`);
  const sender = createSender(destination, resolved);
  // A terminal redraws at most ~10 times a second; a log gets a line every 2 s.
  const progress = new ProgressLine(process.stderr, { ttyIntervalMs: 100, plainIntervalMs: 2000 });
  const counts = { done: 0, sent: 0, failed: 0, total: items.length };
  const started = Date.now();
  const progressText = () => `submit: ${counts.done}/${counts.total} (${counts.total === 0 ? 100 : Math.floor((counts.done / counts.total) * 100)}%) sent ${counts.sent}, failed ${counts.failed}, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  const results = await sendAll(items, sender, {
    concurrency: args.concurrency,
    onSettled(result) {
      counts.done++;
      if (result.status === 'sent') counts.sent++;
      else counts.failed++;
      progress.show(progressText());
    },
  });
  progress.finish(progressText());
  const sentInvalid = invalid.filter((l) => !l.unsendable);
  printSummary(results, sentInvalid, unsendable, Date.now() - started, where, args.via);
  const allSent = unsendable.length === 0 && results.every((r) => r.status === 'sent');
  process.exitCode = allSent ? 0 : 1;
}

main().catch((err: unknown) => {
  fail(1, `submit: ${err instanceof Error ? err.message : String(err)}`);
});
