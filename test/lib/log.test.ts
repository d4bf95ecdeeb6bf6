import { test } from 'node:test';
import assert from 'node:assert/strict';
import { log, setLogSink } from '../../lib/log';

test('log writes one JSON line and redacts secret-looking fields at any depth', () => {
  const lines: string[] = [];
  const previous = setLogSink((l) => lines.push(l));
  try {
    log('info', { jobId: 'j1', token: 'v1.abc.def', nested: { accessKeySecret: 's3cr3t', ok: 1 }, err: new Error('boom') });
  } finally {
    setLogSink(previous);
  }
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('s3cr3t') && !lines[0]!.includes('v1.abc.def'));
  const parsed = JSON.parse(lines[0]!);
  assert.equal(parsed.level, 'info');
  assert.equal(parsed.jobId, 'j1');
  assert.equal(parsed.token, '[redacted]');
  assert.deepEqual(parsed.nested, { accessKeySecret: '[redacted]', ok: 1 });
  assert.deepEqual(parsed.err, { name: 'Error', message: 'boom' });
  assert.match(parsed.time, /^\d{4}-\d\d-\d\dT/);
});
