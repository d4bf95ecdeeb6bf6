import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { decodeOtsErrorBody, decodeOtsErrorFromSdkMessage } from '../../../lib/store/ots-error';
import { CAPTURED_RESPONSE, classifySdkError, REUSED_SOCKET } from '../../../lib/store/errors';

// The SDK's own compiled protobuf types encode the reference bytes, so our hand-written
// reader is checked against the encoder the service protocol is defined by.
const require = createRequire(import.meta.url);
const protos = require('tablestore/lib/protocol/tablestore_compiled_proto.js').main.proto as {
  Error: { encode(m: { code: string; message?: string }): { finish(): Uint8Array } };
};
const encode = (code: string, message?: string): Buffer => Buffer.from(protos.Error.encode(message === undefined ? { code } : { code, message }).finish());

describe('decodeOtsErrorBody', () => {
  test('decodes bytes made by the SDK protobuf encoder', () => {
    assert.deepEqual(decodeOtsErrorBody(encode('OTSConditionCheckFail', 'Condition check failed.')), {
      code: 'OTSConditionCheckFail',
      message: 'Condition check failed.',
    });
    assert.deepEqual(decodeOtsErrorBody(encode('OTSServerBusy')), { code: 'OTSServerBusy' });
  });

  test('decodes a message longer than 127 bytes (two-byte length varint)', () => {
    const long = 'x'.repeat(300) + ' — ünïcode';
    assert.deepEqual(decodeOtsErrorBody(encode('OTSParameterInvalid', long)), { code: 'OTSParameterInvalid', message: long });
  });

  test('skips unknown fields and rejects non-Error bytes', () => {
    const extra = Buffer.concat([Buffer.from([0x18, 0x96, 0x01]), encode('OTSTimeout', 'slow')]);
    assert.deepEqual(decodeOtsErrorBody(extra), { code: 'OTSTimeout', message: 'slow' });
    assert.equal(decodeOtsErrorBody(Buffer.alloc(0)), undefined);
    assert.equal(decodeOtsErrorBody(Buffer.from('<html>Bad Gateway</html>')), undefined);
    assert.equal(decodeOtsErrorBody(Buffer.from([0x0a, 0x50, 0x41])), undefined);
  });

  test('recovers the code from the SDK stringified message, even when the message length was mangled', () => {
    const short = encode('OTSConditionCheckFail', 'Condition check failed.').toString() + ' requestId:abc-123';
    assert.deepEqual(decodeOtsErrorFromSdkMessage(short), { code: 'OTSConditionCheckFail', message: 'Condition check failed.' });
    const long = encode('OTSParameterInvalid', 'y'.repeat(200)).toString() + ' requestId:abc';
    assert.equal(decodeOtsErrorFromSdkMessage(long)?.code, 'OTSParameterInvalid');
  });
});

describe('classifySdkError', () => {
  const sdkHttpError = (status: number, body: Buffer, requestId = 'req-1', captured = true) => {
    // What lib/client.js extractError produces: code = HTTP status, message = body + requestId.
    const err = Object.assign(new Error(body.toString() + ' requestId:' + requestId), { code: status, headers: { 'x-ots-request-id': requestId } });
    if (captured) Object.assign(err, { [CAPTURED_RESPONSE]: { status, body, requestId } });
    return err;
  };

  test('throttling is retried whatever the request', () => {
    const { error, retry } = classifySdkError(sdkHttpError(503, encode('OTSServerBusy', 'Server is busy.')), 'PutRow');
    assert.equal(error.reason, 'throttled');
    assert.equal(error.code, 'OTSServerBusy');
    assert.equal(error.status, 503);
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.retryable, true);
    assert.equal(retry, 'not_applied');
    assert.match(error.message, /PutRow failed with HTTP 503 OTSServerBusy: Server is busy\. \(request id req-1\)/);
  });

  test('server errors may have been applied', () => {
    for (const [status, code, reason] of [
      [503, 'OTSTimeout', 'timeout'],
      [500, 'OTSInternalServerError', 'unavailable'],
      [503, 'OTSServerUnavailable', 'unavailable'],
    ] as const) {
      const { error, retry } = classifySdkError(sdkHttpError(status, encode(code)), 'UpdateRow');
      assert.equal(error.reason, reason);
      assert.equal(retry, 'maybe_applied');
    }
    const gateway = classifySdkError(sdkHttpError(502, Buffer.from('<html>bad gateway</html>')), 'GetRow');
    assert.equal(gateway.error.reason, 'unavailable');
    assert.equal(gateway.error.code, undefined);
    assert.equal(gateway.retry, 'maybe_applied');
  });

  test('condition failures and client errors are final', () => {
    const cond = classifySdkError(sdkHttpError(403, encode('OTSConditionCheckFail', 'Condition check failed.')), 'PutRow');
    assert.equal(cond.error.reason, 'condition_failed');
    assert.equal(cond.error.code, 'OTSConditionCheckFail');
    assert.equal(cond.retry, 'final');
    assert.equal(cond.error.retryable, false);
    const auth = classifySdkError(sdkHttpError(403, encode('OTSAuthFailed', 'Signature mismatch.')), 'GetRow');
    assert.equal(auth.error.reason, 'rejected');
    assert.equal(auth.retry, 'final');
  });

  test('falls back to the stringified body when the raw bytes were not captured', () => {
    const { error } = classifySdkError(sdkHttpError(404, encode('OTSObjectNotExist', 'Requested table does not exist.'), 'r-9', false), 'DescribeTable');
    assert.equal(error.code, 'OTSObjectNotExist');
    assert.equal(error.requestId, 'r-9');
    assert.equal(error.status, 404);
  });

  test('network errors: refused connections were never sent, others are ambiguous', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'NetworkingError', syscall: 'connect', errno: -111 });
    assert.deepEqual([classifySdkError(refused, 'PutRow').error.reason, classifySdkError(refused, 'PutRow').retry], ['unavailable', 'not_applied']);
    const reset = Object.assign(new Error('socket hang up'), { code: 'NetworkingError' });
    assert.equal(classifySdkError(reset, 'PutRow').retry, 'maybe_applied');
    // The same reset on a reused keep-alive socket is the server closing an idle connection.
    assert.equal(classifySdkError(Object.assign(reset, { [REUSED_SOCKET]: true }), 'PutRow').retry, 'not_applied');
    const timeout = Object.assign(new Error('Connection timed out after 100ms'), { code: 'TimeoutError' });
    assert.deepEqual([classifySdkError(timeout, 'GetRow').error.reason, classifySdkError(timeout, 'GetRow').retry], ['timeout', 'maybe_applied']);
    const bug = new TypeError("Cannot read properties of undefined (reading 'rowExistenceExpectation')");
    assert.deepEqual([classifySdkError(bug, 'PutRow').error.reason, classifySdkError(bug, 'PutRow').retry], ['rejected', 'final']);
  });
});
