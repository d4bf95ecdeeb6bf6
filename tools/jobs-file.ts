/**
 * Jobs files, as `npm start` and `npm run submit` read them: one JSON job per line, blank
 * lines and `#` comments skipped, `${NAME}` placeholders filled in, each line validated
 * with the rules the uploader applies (lib/jobs/job.ts) before anything is sent; and the
 * queue message a job travels in, with its size limit.
 */
import { readFileSync } from 'node:fs';
import { ReasonedError } from '../lib/errors';
import { JOB_ID_PATTERN, parseJob, type Job } from '../lib/jobs/job';
import { plural } from '../lib/plural';

/** One job line of a jobs file. */
export interface JobLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line as written (byte-order mark and surrounding white space removed), placeholders filled in. */
  text: string;
  /** The line's JSON, compact; undefined when the line is not JSON. */
  body?: string;
  /** The job, when the line is a valid one. */
  job?: Job;
  /** The line's `jobId` when it is a string, usable or not (for messages). */
  jobId?: string;
  /** Why the line is not a valid job. */
  problem?: string;
}

/** Why a jobs file cannot be run: nothing is sent then. */
export class JobsFileError extends ReasonedError<'unreadable' | 'no_jobs' | 'message_too_large'> {}

/**
 * The largest MNS message, in bytes: a queue's MaximumMessageSize is 1024–65536 and
 * 65536 is the default, which the local stack's queue keeps
 * (https://www.alibabacloud.com/help/en/mns/how-do-i-increase-the-maximum-size-of-a-message-in-mns);
 * the queue limits table gives "Message size: 64 KB" (MNS_MESSAGE_DOCS). A larger message
 * is refused with 400 InvalidArgument, "The value of Element must be between Low and High
 * bytes" (error table, https://www.alibabacloud.com/help/doc-detail/27501.html): MNS has
 * no separate "message too large" code, and the emulator answers the same. All read
 * 2026-12-02.
 */
export const MNS_MAX_MESSAGE_BYTES = 65536;
export const MNS_MESSAGE_DOCS = 'https://www.alibabacloud.com/help/en/mns/developer-reference/queue-queue';
/** The largest job text whose Base64 ({@link messageBody}) still fits an MNS message: 3 bytes per 4 characters. */
export const MNS_MAX_JOB_BYTES = (MNS_MAX_MESSAGE_BYTES / 4) * 3;

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads a jobs file as text (`-` is standard input); JobsFileError `unreadable` names the
 * file and says why in words (never a stack trace).
 *
 * @example readJobsText('/nonexistent') // throws JobsFileError: cannot read the jobs file /nonexistent: no such file
 */
export function readJobsText(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const why = MESSAGES[code] ?? (error instanceof Error ? error.message : String(error));
    throw new JobsFileError('unreadable', `cannot read the jobs file ${file}: ${why}`);
  }
}

/**
 * Replaces `${NAME}` with the value of NAME in `vars`, escaped as JSON string content, so
 * sample files can point at a running stack (`${SOURCES_URL}` in examples/jobs.jsonl;
 * `npm start --keep-running` prints it). Credentials (`ALIBABA_CLOUD_*`) are never put
 * into a job; unknown names stay as they are, and the job's validation then names the field.
 *
 * @example expandVariables('{"url":"${SOURCES_URL}/a.txt"}', { SOURCES_URL: 'http://127.0.0.1:8080' }) // '{"url":"http://127.0.0.1:8080/a.txt"}'
 */
export function expandVariables(line: string, vars: Readonly<Record<string, string | undefined>>): string {
  return line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined || name.startsWith('ALIBABA_CLOUD_')) return whole;
    // Inserted into a JSON string: escape it as one.
    return JSON.stringify(value).slice(1, -1);
  });
}

/**
 * Splits and checks a jobs file's text: placeholders filled in from `vars`
 * ({@link expandVariables}), then each line parsed as JSON and validated as a job. Invalid
 * lines are kept, with their problem. Throws JobsFileError `no_jobs` when no line is a job.
 *
 * @example
 * parseJobLines('{"jobId":"a","source":{"text":"hi"},"target":{"key":"a.txt"}}\n# note\n', {}, 'jobs.jsonl')
 * // [{ line: 1, text: '{"jobId":"a",…}', body: '{"jobId":"a",…}', job: { jobId: 'a', … }, jobId: 'a' }]
 */
export function parseJobLines(text: string, vars: Readonly<Record<string, string | undefined>>, file: string): JobLine[] {
  const lines: JobLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.replace(/^\uFEFF/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const entry: JobLine = { line: index + 1, text: expandVariables(trimmed, vars) };
    lines.push(entry);
    let value: unknown;
    try {
      value = JSON.parse(entry.text);
    } catch (error) {
      entry.problem = `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
      return;
    }
    entry.body = JSON.stringify(value);
    const jobId = typeof value === 'object' && value !== null ? (value as { jobId?: unknown }).jobId : undefined;
    if (typeof jobId === 'string') entry.jobId = jobId;
    try {
      entry.job = parseJob(value);
    } catch (error) {
      entry.problem = error instanceof Error ? error.message : String(error);
    }
  });
  if (lines.length === 0) throw new JobsFileError('no_jobs', `${file} has no jobs: every line is blank or a # comment`);
  return lines;
}

/**
 * The id the pipeline records a line under when the line itself decides it: its jobId,
 * when usable (a line without one is recorded under an id made from its message or event).
 *
 * @example usableJobId({ line: 1, text: '…', jobId: 'bad id' }) // => undefined
 */
export function usableJobId(line: JobLine): string | undefined {
  return line.jobId !== undefined && JOB_ID_PATTERN.test(line.jobId) ? line.jobId : undefined;
}

/**
 * Job ids that appear on more than one line (each is sent; the pipeline keeps one record).
 *
 * @example duplicateJobIds(lines) // [{ jobId: 'demo-text-1', lines: [5, 13] }]
 */
export function duplicateJobIds(lines: readonly JobLine[]): { jobId: string; lines: number[] }[] {
  const seen = new Map<string, number[]>();
  for (const { jobId, line } of lines) if (jobId !== undefined) seen.set(jobId, [...(seen.get(jobId) ?? []), line]);
  return [...seen].filter(([, at]) => at.length > 1).map(([jobId, at]) => ({ jobId, lines: at }));
}

/**
 * The MNS message body of a job: the Base64 of its UTF-8 text, the project's one encoding
 * (docs/submitting.md). `@alicloud/mns` 1.2 writes MessageBody into its XML request as it
 * is (lib/helper.js `format`: no escaping, no encoding), so raw JSON with `&` or `<` would
 * be malformed XML; Base64 needs no escaping, is what the MNS console sends, and is what
 * MNS SDKs that encode send. s.yaml's trigger passes it on unchanged
 * (`IsBase64Decode: false`) and the uploader decodes it (lib/jobs/message-body.ts).
 *
 * @example messageBody('{"jobId":"a"}') // 'eyJqb2JJZCI6ImEifQ=='
 */
export function messageBody(job: string): string {
  return Buffer.from(job, 'utf8').toString('base64');
}

/** Size in bytes of messageBody(job), without building it. */
export function messageBytes(job: string): number {
  return 4 * Math.ceil(Buffer.byteLength(job, 'utf8') / 3);
}

/**
 * Throws JobsFileError `message_too_large` naming every line whose message would exceed
 * `maxBytes` (the queue's MaximumMessageSize), so nothing is sent that MNS would refuse.
 *
 * @example checkMessageSizes(lines, MNS_MAX_MESSAGE_BYTES) // throws: line 3 (job big-1): its message is 69,905,160 bytes …
 */
export function checkMessageSizes(lines: readonly JobLine[], maxBytes: number): void {
  const over = lines.filter((l) => messageBytes(l.text) > maxBytes);
  if (over.length === 0) return;
  const which = over.map((l) => `  line ${l.line}${usableJobId(l) ? ` (job ${l.jobId})` : ''}: its message is ${messageBytes(l.text).toLocaleString('en-US')} bytes`);
  throw new JobsFileError(
    'message_too_large',
    `${plural(over.length, 'job is', 'jobs are')} too large for an MNS message; nothing was sent:\n${which.join('\n')}\n` +
      `An MNS message holds at most ${maxBytes.toLocaleString('en-US')} bytes (64 KB: ${MNS_MESSAGE_DOCS}), and npm start\n` +
      `sends each job Base64-encoded, so a job line can have at most ${(Math.floor(maxBytes / 4) * 3).toLocaleString('en-US')} bytes.\n` +
      'Put large content behind source.url or source.oss instead of inline text or base64.',
  );
}
