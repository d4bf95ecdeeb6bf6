/**
 * Reading a JSONL file of jobs: one JSON job per line, blank lines and `#` comments
 * skipped, each line validated with the same rules the uploader applies.
 */
import { readFile } from 'node:fs/promises';
import { InvalidJobError, parseJob, type Job } from '../lib/jobs/job';

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

/**
 * Reads and validates a jobs file. `${NAME}` placeholders are replaced from `vars`
 * (an unknown placeholder is left as written, and the job then fails validation).
 *
 * @example const lines = await readJobsFile('examples/jobs.jsonl', { SOURCES_URL: 'http://127.0.0.1:8080' });
 */
export async function readJobsFile(file: string, vars: Record<string, string> = {}): Promise<JobLine[]> {
  const text = await readFile(file, 'utf8');
  const lines: JobLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
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
  return lines;
}
