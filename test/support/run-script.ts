// Runs a repository script as a user would (a child process through tsx), with only the
// environment a test gives it plus PATH, so nothing leaks in from the machine: HOME is an
// empty directory (no ~/.aliyun or ~/.alibabacloud profile is found) and the credential
// chain skips the ECS metadata service, unless the test sets either itself.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

let home: string | undefined;
function emptyHome(): string {
  home ??= mkdtempSync(join(tmpdir(), 'script-home-'));
  return home;
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --import tsx <script> <args>` from the repository root; `onStderr` sees
 * standard error as it arrives (progress).
 *
 * @example const run = await runScript('scripts/results.ts', ['--json'], env);
 */
export function runScript(script: string, args: string[], env: Record<string, string>, onStderr?: (text: string) => void): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, script), ...args], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: emptyHome(), ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(chunk.toString());
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
