// Runs scripts/submit.ts as a user would (a child process through tsx), with only the
// environment a test gives it, so nothing leaks in from the machine running the tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface SubmitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run submit -- <args>` (as `node --import tsx scripts/submit.ts`) with `env` plus PATH. */
export function runSubmit(args: string[], env: Record<string, string>): Promise<SubmitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'scripts/submit.ts'), ...args], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const made: string[] = [];

/** Writes `lines` as a JSONL file in a fresh temporary directory; returns its path. */
export function jobsFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'submit-test-'));
  made.push(dir);
  const path = join(dir, 'jobs.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** A valid job line. */
export function job(jobId: string, text = `content of ${jobId}`): string {
  return JSON.stringify({ jobId, source: { text }, target: { key: `submit/${jobId}.txt` } });
}

/** Removes the files jobsFile wrote (call in after()). */
export function removeJobsFiles(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
