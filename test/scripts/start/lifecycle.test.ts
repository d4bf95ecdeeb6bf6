// How npm start ends when stopping the stack hangs, and on an uncaught error: in a child
// process, since the Lifecycle exits its process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function run(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, timeout: timeoutMs }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

test('a stack that never stops: the process still exits, with the run code, saying so', async () => {
  const { code, stderr } = await run(['test/scripts/start/fixtures/stuck-stop.ts', 'stuck', '300', '3']);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /stopping the local stack…\nthe local stack did not stop within 0\.3 s; exiting anyway\n$/);
});

test('an uncaught error: its message (secrets removed), the stack stopped, exit 1', async () => {
  const { code, stderr } = await run(['test/scripts/start/fixtures/stuck-stop.ts', 'throw', '30000']);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^npm start failed: Error: boom near \[redacted\]\n\s+at /);
  assert.match(stderr, /stopping the local stack…\nstack closed\n$/);
  assert.doesNotMatch(stderr, /a-token-secret-never-shown/);
});
