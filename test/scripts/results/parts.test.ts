// The pieces of `npm run results` that need no store: --since, ages, sizes, JSON lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince } from '../../../scripts/results/since';
import { age, humanSize, jsonLine } from '../../../scripts/results/format';
import { parseResultsArgs } from '../../../scripts/results/args';

const NOW = Date.parse('2026-12-02T12:00:00Z');

describe('results: --since', () => {
  test('durations count back from now; ISO dates and date-times are absolute', () => {
    assert.equal(parseSince('90s', NOW), NOW - 90_000);
    assert.equal(parseSince('15m', NOW), NOW - 15 * 60_000);
    assert.equal(parseSince('2h', NOW), Date.parse('2026-12-02T10:00:00Z'));
    assert.equal(parseSince('7d', NOW), Date.parse('2026-11-25T12:00:00Z'));
    assert.equal(parseSince('2026-12-01', NOW), Date.parse('2026-12-01T00:00:00Z'));
    assert.equal(parseSince('2026-12-01T08:30:00+08:00', NOW), Date.parse('2026-12-01T00:30:00Z'));
  });

  test('anything else is refused rather than guessed', () => {
    for (const text of ['', 'yesterday', '2h30m', '-5m', '1w', '12/01/2026', '2026-13-45', 'Tue, 01 Dec 2026']) {
      assert.equal(parseSince(text, NOW), undefined, text);
    }
  });
});

describe('results: arguments', () => {
  test('named jobs and listings', () => {
    assert.deepEqual(parseResultsArgs(['a', 'b', '--json'], NOW), { mode: 'jobs', jobIds: ['a', 'b'], json: true });
    assert.deepEqual(parseResultsArgs(['--status', 'uploaded', '--since=1h', '--limit', '7'], NOW), { mode: 'list', status: 'uploaded', since: NOW - 3_600_000, limit: 7, json: false });
    assert.deepEqual(parseResultsArgs([], NOW), { mode: 'list', limit: 50, json: false });
    assert.equal(parseResultsArgs(['-h'], NOW), 'help');
  });
});

describe('results: formatting', () => {
  test('ages and sizes are short; JSON lines start with jobId and status', () => {
    assert.deepEqual([age(NOW - 59_000, NOW), age(NOW - 61_000, NOW), age(NOW - 3 * 3_600_000, NOW), age(NOW - 49 * 3_600_000, NOW)], ['59s', '1m', '3h', '2d']);
    assert.deepEqual([humanSize(0), humanSize(1023), humanSize(1536), humanSize(5 * 1024 ** 3)], ['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
    const line = jsonLine({ recordedBy: 'callback', deliveries: 2, createdAt: 1, updatedAt: 2, status: 'uploaded', jobId: 'j' });
    assert.match(line, /^\{"jobId":"j","status":"uploaded",/);
  });
});
