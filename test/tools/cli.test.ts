// tools/cli.ts: the one reading of command lines every tool and emulator uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseCommandLine, UsageError, wholeNumber } from '../../tools/cli';

const OPTIONS = {
  jobs: { type: 'string', needs: 'a file' },
  port: { type: 'string' },
  queue: { type: 'string', multiple: true },
  'keep-running': { type: 'boolean' },
} as const;

function usage(argv: string[], message: string, positionals = false): void {
  assert.throws(
    () => parseCommandLine(argv, OPTIONS, (line) => line, { positionals }),
    (e: unknown) => e instanceof UsageError && e.reason === 'usage' && e.message === message,
    argv.join(' '),
  );
}

describe('parseCommandLine', () => {
  test('space and = forms, booleans, repeated options, positionals, help', () => {
    assert.deepEqual(parseCommandLine(['--jobs', 'a.jsonl', '--port=9000', '--keep-running', 'x', '--queue', 'q1', '--queue=q2'], OPTIONS, (line) => line, { positionals: true }), {
      values: { jobs: 'a.jsonl', port: '9000', 'keep-running': true, queue: ['q1', 'q2'] },
      positionals: ['x'],
    });
    assert.deepEqual(parseCommandLine(['--port', '1', '--port', '2'], OPTIONS, (line) => line), { values: { port: '2' }, positionals: [] }, 'the last value wins');
    // A value may start with one dash (a negative number, "-" for stdin), not with two.
    assert.deepEqual(parseCommandLine(['--port', '-1', '-'], OPTIONS, (line) => line, { positionals: true }), { values: { port: '-1' }, positionals: ['-'] });
    assert.equal(parseCommandLine(['--port', '1', '--help'], OPTIONS, (line) => line), 'help');
    assert.equal(parseCommandLine(['-h', '--bogus'], OPTIONS, (line) => line), 'help');
  });

  test('every mistake is a UsageError in the same words', () => {
    usage(['--bogus'], 'unknown option --bogus');
    usage(['--bogus=1'], 'unknown option --bogus');
    usage(['-x'], 'unknown option -x');
    usage(['--jobs'], '--jobs needs a file');
    usage(['--jobs', '--keep-running'], '--jobs needs a file');
    usage(['--jobs='], '--jobs needs a file');
    usage(['--port'], '--port needs a value');
    usage(['--keep-running=yes'], '--keep-running takes no value');
    usage(['stray'], "unexpected argument 'stray'");
    usage(['--bogus', '--help'], 'unknown option --bogus');
  });
});

test('wholeNumber: digits within the range, else a UsageError naming the option', () => {
  assert.equal(wholeNumber('--port', '9000', 0, 65535), 9000);
  for (const text of ['-1', '1.5', '1e3', '', ' 7', '70000']) {
    assert.throws(() => wholeNumber('--port', text, 0, 65535), (e: unknown) => e instanceof UsageError && e.message === `--port must be a whole number from 0 to 65535, not '${text}'`);
  }
});

test('readCommandLine: --help prints the usage and exits 0; a usage error prints name, message and usage and exits 2', () => {
  // scripts/build.ts reads its command line with readCommandLine and nothing else first.
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: npm run build/);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--outdir'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^build: --outdir needs a directory\n\nusage: npm run build/);
});
