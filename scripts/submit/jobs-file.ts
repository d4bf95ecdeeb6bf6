/**
 * Reading and checking a JSONL file of jobs: one JSON job per line, blank lines and lines
 * starting with `#` skipped. Every line is checked before anything is sent.
 */
import { parseJob } from '../../lib/jobs/job';

/** One job line of the file. */
export interface JobLine {
  /** 1-based line number in the file. */
  line: number;
  /** What would be sent: the line's JSON, compact. Undefined when the line is not JSON. */
  body: string | undefined;
  /** The job id, when the line has a string one (valid or not). */
  jobId: string | undefined;
  /** Why the job is invalid (parseJob's message), when it is. */
  problem: string | undefined;
  /** True when the line can never be sent: not JSON, or larger than the way allows. */
  unsendable: boolean;
}

/** The lines of a file, and duplicate job ids worth a warning. */
export interface JobsFile {
  lines: JobLine[];
  /** Job ids that appear on more than one line (the pipeline records each once). */
  duplicates: { jobId: string; lines: number[] }[];
}

/**
 * Replaces `${NAME}` with the value of NAME in `vars`, so sample files can point at a
 * running stack (`${SOURCES_URL}` in examples/jobs.jsonl; `npm start --keep-running` prints
 * it). Credentials (`ALIBABA_CLOUD_*`) are never put into a job; unknown names stay as they
 * are, and the job's validation then names the field.
 *
 * @example expandVariables('{"url":"${SOURCES_URL}/a.txt"}', { SOURCES_URL: 'http://127.0.0.1:8080' }) // '{"url":"http://127.0.0.1:8080/a.txt"}'
 */
export function expandVariables(line: string, vars: Record<string, string | undefined>): string {
  return line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined || name.startsWith('ALIBABA_CLOUD_')) return whole;
    // Inserted into a JSON string: escape it as one.
    return JSON.stringify(value).slice(1, -1);
  });
}

/**
 * Checks each job line: JSON, a valid job (lib/jobs/job.ts `parseJob`), and a body of at
 * most `maxBodyBytes` (the limit of the way it will travel). `${NAME}` placeholders are
 * expanded from `vars` first (expandVariables).
 *
 * @example
 * checkJobsText('{"jobId":"a","source":{"text":"hi"},"target":{"key":"a.txt"}}\n# note\n', { maxBodyBytes: 65536, limitHint: '…' })
 * // { lines: [{ line: 1, body: '{"jobId":"a",…}', jobId: 'a', problem: undefined, unsendable: false }], duplicates: [] }
 */
export function checkJobsText(text: string, limits: { maxBodyBytes: number; limitHint: string }, vars: Record<string, string | undefined> = {}): JobsFile {
  const lines: JobLine[] = [];
  const seen = new Map<string, number[]>();
  const rows = text.split(/\r?\n/);
  rows.forEach((raw, index) => {
    const text = raw.replace(/^\uFEFF/, '').trim();
    if (text === '' || text.startsWith('#')) return;
    const trimmed = expandVariables(text, vars);
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      lines.push({ line, body: undefined, jobId: undefined, problem: `not valid JSON (${detail})`, unsendable: true });
      return;
    }
    const body = JSON.stringify(value);
    const jobId = typeof value === 'object' && value !== null && typeof (value as { jobId?: unknown }).jobId === 'string' ? (value as { jobId: string }).jobId : undefined;
    let problem: string | undefined;
    try {
      parseJob(value);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    const bytes = Buffer.byteLength(body, 'utf8');
    let unsendable = false;
    if (bytes > limits.maxBodyBytes) {
      unsendable = true;
      const tooLarge = `the job is ${bytes} bytes; ${limits.limitHint}`;
      problem = problem ? `${problem}; ${tooLarge}` : tooLarge;
    }
    lines.push({ line, body, jobId, problem, unsendable });
    if (jobId !== undefined) seen.set(jobId, [...(seen.get(jobId) ?? []), line]);
  });
  const duplicates = [...seen].filter(([, at]) => at.length > 1).map(([jobId, at]) => ({ jobId, lines: at }));
  return { lines, duplicates };
}
