// Why a job of npm start has no record: read from the uploader's log lines (written by
// lib/log, in the JobReport shape processDeliveries logs) and the trigger's events,
// secret-free. test/e2e/npm-start-failures.test.ts sees the same through the real stack.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { log, setLogSink } from '../../../lib/log';
import type { JobReport } from '../../../lib/uploader/process';
import { FailureReasons, scrub } from '../../../scripts/start/failure-reasons';

/** The line lib/log writes for `report`, as processDeliveries logs it. */
function logLine(level: 'info' | 'warn' | 'error', report: JobReport): string {
  let line = '';
  const previous = setLogSink((l) => (line = l));
  try {
    log(level, { fn: 'uploader', requestId: 'req-1', ...report });
  } finally {
    setLogSink(previous);
  }
  return line;
}

describe('FailureReasons', () => {
  test("the uploader's last log line about a job is its reason, found by job id or by message id", async () => {
    const error = 'job dead-url-1 failed 3 times with transient errors; last: fetching http://127.0.0.1:9/x failed: connect ECONNREFUSED 127.0.0.1:9';
    const reasons = new FailureReasons();
    reasons.sent('M-1', 'dead-url-1');
    reasons.sent('M-2', 'no-id-in-log');
    reasons.onFunctionLog({ fn: 'uploader', requestId: 'req-1', level: 'INFO', message: logLine('error', { index: 0, jobId: 'dead-url-1', messageId: 'M-1', outcome: 'retry_later', ms: 1500, reason: 'transient_failure', error }) });
    reasons.onFunctionLog({ fn: 'uploader', requestId: 'req-1', level: 'INFO', message: logLine('warn', { index: 1, messageId: 'M-2', outcome: 'invalid', ms: 0, reason: 'invalid_job', error: 'a job must be a JSON object' }) });
    assert.equal(reasons.reasonFor('dead-url-1'), `the uploader logged retry_later (transient_failure): ${error}`);
    assert.equal(reasons.reasonFor('no-id-in-log'), 'the uploader logged invalid (invalid_job): a job must be a JSON object');
    assert.equal(reasons.reasonFor('never-sent'), undefined);
  });

  test('without a log line: the failed invocation and the dead-lettering of its messages', () => {
    const reasons = new FailureReasons();
    reasons.sent('M-7', 'job-7');
    reasons.onTriggerEvent({ type: 'delivered', messageIds: ['M-7'] });
    reasons.onTriggerEvent({ type: 'failed', messageIds: ['M-7'], error: new Error('uploader invocation failed: Process exited unexpectedly') });
    reasons.onTriggerEvent({ type: 'dead-lettered', messageId: 'M-7', dequeueCount: 5, deadLetterQueue: 'dlq' });
    assert.equal(reasons.reasonFor('job-7'), 'its invocation failed: uploader invocation failed: Process exited unexpectedly; dead-lettered after 5 deliveries');
  });

  test("a line about the whole function (a missing setting) is every silent job's reason; other functions' lines are ignored", () => {
    const reasons = new FailureReasons();
    reasons.onFunctionLog({ fn: 'callback', requestId: 'r', level: 'INFO', message: JSON.stringify({ outcome: 'recorded', jobId: 'job-1' }) });
    assert.equal(reasons.reasonFor('job-1'), undefined);
    reasons.onFunctionLog({ fn: 'uploader', requestId: 'r', level: 'ERROR', message: JSON.stringify({ fn: 'uploader', outcome: 'config_error', setting: 'OSS_BUCKET', error: 'OSS_BUCKET is not set' }) });
    assert.equal(reasons.reasonFor('job-1'), 'the uploader logged: OSS_BUCKET is not set');
  });

  test('shows no secret: known values and URL queries and user info are removed', () => {
    const secret = 'S3cr3t-token-value-1234';
    const reasons = new FailureReasons([secret]);
    reasons.onFunctionLog({
      fn: 'uploader',
      requestId: 'r',
      level: 'WARN',
      message: JSON.stringify({ jobId: 'j', outcome: 'failed', reason: 'source_forbidden', error: `source https://user:pw@host.example/a?OSSAccessKeyId=LTAI&Signature=xyz answered 403 (${secret})` }),
    });
    const reason = reasons.reasonFor('j')!;
    assert.equal(reason, 'the uploader logged failed (source_forbidden): source https://…@host.example/a?… answered 403 ([redacted])');
    assert.equal(scrub('nothing to hide http://127.0.0.1:9/x', ['short']), 'nothing to hide http://127.0.0.1:9/x');
  });
});
