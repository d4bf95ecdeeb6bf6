// npm start's command line, and the exit code and words each failure gets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JobsFileError } from '../../../tools/jobs-file';
import { parseStartArgs } from '../../../scripts/start/args';
import { UsageError } from '../../../tools/cli';
import { describeFailure } from '../../../scripts/start/lifecycle';

describe('npm start arguments', () => {
  test('defaults, and every option', () => {
    assert.deepEqual(parseStartArgs([], '/repo'), { jobs: '/repo/examples/jobs.jsonl', keepRunning: false, timeoutMs: 120_000, bundlesDir: '/repo/dist' });
    assert.deepEqual(parseStartArgs(['--jobs', '/j.jsonl', '--keep-running', '--timeout', '1.5', '--port', '40000', '--bundles-dir', '/b'], '/repo'), {
      jobs: '/j.jsonl',
      keepRunning: true,
      timeoutMs: 1500,
      bundlesDir: '/b',
      basePort: 40000,
    });
    assert.equal(parseStartArgs(['--timeout', '5', '--help'], '/repo'), 'help');
  });

  test('bad options are usage errors that say what is wrong', () => {
    const bad = (argv: string[], message: RegExp) => assert.throws(() => parseStartArgs(argv, '/repo'), (e: unknown) => e instanceof UsageError && message.test(e.message));
    bad(['--frobnicate'], /^unknown option --frobnicate$/);
    bad(['--jobs'], /^--jobs needs a file$/);
    bad(['--jobs', '--keep-running'], /^--jobs needs a file$/);
    bad(['--timeout', '0'], /positive number of seconds/);
    bad(['--timeout', 'soon'], /positive number of seconds/);
    bad(['--port', '80'], /1024 to 65530/);
    bad(['--port', '65531'], /1024 to 65530/);
  });
});

describe('describeFailure', () => {
  test('usage: 2 with the usage; jobs file: 2 in one line; port in use: 1 naming the port; anything else: 1 with its stack', () => {
    const usage = describeFailure(new UsageError('unknown option --x'));
    assert.equal(usage.code, 2);
    assert.match(usage.message, /^npm start: unknown option --x\n\nusage: npm start/);
    assert.deepEqual(describeFailure(new JobsFileError('no_jobs', 'f has no jobs')), { code: 2, message: 'npm start: f has no jobs' });
    const inUse = describeFailure(Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:40004'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 40004 }));
    assert.equal(inUse.code, 1);
    assert.match(inUse.message, /^npm start: 127\.0\.0\.1:40004 is in use .*--port <first>/);
    const internal = describeFailure(new TypeError('x is not a function'));
    assert.equal(internal.code, 1);
    assert.match(internal.message, /^npm start failed: TypeError: x is not a function\n\s+at /);
  });
});
