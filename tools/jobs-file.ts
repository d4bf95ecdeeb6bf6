/**
 * The jobs file of `npm start`: one JSON job per line, blank lines and `#` comments
 * skipped, each line validated with the same rules the uploader applies, and each line's
 * queue message checked against the queue's size limit before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import { ReasonedError } from '../lib/errors';
import { InvalidJobError, parseJob, type Job } from '../lib/jobs/job';
import { plural } from '../lib/plural';

/** One line of a jobs file. */
export interface JobLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line as sent (after placeholder substitution). */
  text: string;
  job?: Job;
  /** Why the line is not a valid job. */
  error?: string;
  /** The job id, when the line has a usable one even if the job is invalid. */
  jobId?: string;
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

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads a jobs file as text; JobsFileError `unreadable` names the file and says why in
 * words (never a stack trace).
 *
 * @example await readJobsText('/nonexistent') // throws JobsFileError: cannot read the jobs file /nonexistent: no such file
 */
export async function readJobsText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const why = MESSAGES[code] ?? (error instanceof Error ? error.message : String(error));
    throw new JobsFileError('unreadable', `cannot read the jobs file ${file}: ${why}`);
  }
}

/**
 * Splits and validates a jobs file's text. `${NAME}` placeholders are replaced from
 * `vars` (an unknown placeholder is left as written, and the job then fails validation).
 * Throws JobsFileError `no_jobs` when no line is a job.
 *
 * @example const lines = parseJobLines(text, { SOURCES_URL: 'http://127.0.0.1:8080' }, 'examples/jobs.jsonl');
 */
export function parseJobLines(text: string, vars: Record<string, string>, file: string): JobLine[] {
  const lines: JobLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.replace(/^\uFEFF/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const substituted = trimmed.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);
    const entry: JobLine = { line: index + 1, text: substituted };
    let value: unknown;
    try {
      value = JSON.parse(substituted);
    } catch {
      entry.error = 'not valid JSON';
      lines.push(entry);
      return;
    }
    try {
      entry.job = parseJob(value);
      entry.jobId = entry.job.jobId;
    } catch (error) {
      entry.error = error instanceof InvalidJobError ? error.message : String(error);
      if (error instanceof InvalidJobError && error.jobId) entry.jobId = error.jobId;
    }
    lines.push(entry);
  });
  if (lines.length === 0) throw new JobsFileError('no_jobs', `${file} has no jobs: every line is blank or a # comment`);
  return lines;
}

/**
 * The queue message of a line: its text in Base64, because @alicloud/mns writes the body
 * into XML unescaped (a '&' would break it); the uploader reads JSON text or its Base64.
 */
export function messageBody(line: JobLine): string {
  return Buffer.from(line.text, 'utf8').toString('base64');
}

/** Size in bytes of messageBody(line), without building it. */
export function messageBytes(line: JobLine): number {
  return 4 * Math.ceil(Buffer.byteLength(line.text, 'utf8') / 3);
}

/**
 * Throws JobsFileError `message_too_large` naming every line whose message would exceed
 * `maxBytes` (the queue's MaximumMessageSize), so nothing is sent that MNS would refuse.
 *
 * @example checkMessageSizes(lines, MNS_MAX_MESSAGE_BYTES) // throws: line 3 (job big-1): its message is 69,905,160 bytes …
 */
export function checkMessageSizes(lines: JobLine[], maxBytes: number): void {
  const over = lines.filter((l) => messageBytes(l) > maxBytes);
  if (over.length === 0) return;
  const which = over.map((l) => `  line ${l.line}${l.jobId ? ` (job ${l.jobId})` : ''}: its message is ${messageBytes(l).toLocaleString('en-US')} bytes`);
  throw new JobsFileError(
    'message_too_large',
    `${plural(over.length, 'job is', 'jobs are')} too large for an MNS message; nothing was sent:\n${which.join('\n')}\n` +
      `An MNS message holds at most ${maxBytes.toLocaleString('en-US')} bytes (64 KB: ${MNS_MESSAGE_DOCS}), and npm start\n` +
      `sends each job Base64-encoded, so a job line can have at most ${(Math.floor(maxBytes / 4) * 3).toLocaleString('en-US')} bytes.\n` +
      'Put large content behind source.url or source.oss instead of inline text or base64.',
  );
}
