import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FcEventError, headerValue, httpBody, parseFcHttpEvent } from '../../../lib/fc/http-event';

const samplePath = fileURLToPath(new URL('../../conformance/fc-events/http.json', import.meta.url));
const sample = readFileSync(samplePath);

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FcEventError, `expected FcEventError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('expected a throw');
}

describe('parseFcHttpEvent', () => {
  test('reads the devsapp/fc3 sample event from a Buffer', () => {
    const ev = parseFcHttpEvent(sample);
    assert.equal(ev.version, 'v1');
    assert.equal(ev.rawPath, '/2023-03-30/functions/fc3-event-test-http-trigger-Darwin-x86_64/invocations');
    assert.equal(ev.body, 'haha');
    assert.equal(ev.isBase64Encoded, false);
    assert.equal(ev.headers['X-Fc-Log-Type'], 'Tail');
    assert.deepEqual(ev.queryParameters, {});
    assert.equal(ev.requestContext.http.method, 'POST');
    assert.equal(ev.requestContext.http.sourceIp, '112.10.236.5');
    assert.equal(ev.requestContext.timeEpoch, '1692281291805');
    assert.equal(ev.requestContext.triggerId, '1e875ca5-8fd9-4893-b690-cc81c41e5bdc');
  });

  test('accepts text and parsed objects alike', () => {
    const fromText = parseFcHttpEvent(sample.toString('utf8'));
    const fromObject = parseFcHttpEvent(JSON.parse(sample.toString('utf8')) as object);
    assert.deepEqual(fromText, fromObject);
  });

  test('defaults absent body, query and Base64 flag', () => {
    const ev = parseFcHttpEvent({ rawPath: '/cb', headers: {}, requestContext: { http: { method: 'get' } } });
    assert.equal(ev.body, '');
    assert.equal(ev.isBase64Encoded, false);
    assert.deepEqual(ev.queryParameters, {});
    assert.equal(ev.requestContext.http.method, 'GET');
    assert.equal(ev.requestContext.http.path, '/cb');
  });

  test('refuses malformed events with a reason', () => {
    assert.equal(reasonOf(() => parseFcHttpEvent(Buffer.from('{nope'))), 'event_not_json');
    assert.equal(reasonOf(() => parseFcHttpEvent('[1,2]')), 'event_not_object');
    assert.equal(reasonOf(() => parseFcHttpEvent('null')), 'event_not_object');
    const base = JSON.parse(sample.toString('utf8')) as Record<string, unknown>;
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, rawPath: 'no-slash' })), 'event_field_invalid');
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, rawPath: 5 })), 'event_field_invalid');
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, headers: { A: 1 } })), 'event_field_invalid');
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, isBase64Encoded: 'true' })), 'event_field_invalid');
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, requestContext: undefined })), 'event_field_invalid');
    assert.equal(reasonOf(() => parseFcHttpEvent({ ...base, requestContext: { http: {} } })), 'event_field_invalid');
  });
});

describe('headerValue', () => {
  const headers = { 'X-Oss-Pub-Key-Url': 'aHR0cA==', 'Content-Type': 'text/plain' };

  test('finds a header in any letter case', () => {
    assert.equal(headerValue(headers, 'x-oss-pub-key-url'), 'aHR0cA==');
    assert.equal(headerValue(headers, 'X-OSS-PUB-KEY-URL'), 'aHR0cA==');
    assert.equal(headerValue(headers, 'Content-Type'), 'text/plain');
  });

  test('answers undefined for an absent header', () => {
    assert.equal(headerValue(headers, 'authorization'), undefined);
    assert.equal(headerValue({}, 'x'), undefined);
  });
});

describe('httpBody', () => {
  test('returns the UTF-8 bytes of a text body', () => {
    assert.deepEqual(httpBody({ body: 'héllo', isBase64Encoded: false }), Buffer.from('héllo', 'utf8'));
  });

  test('decodes a Base64 body to the exact bytes', () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    assert.deepEqual(httpBody({ body: bytes.toString('base64'), isBase64Encoded: true }), bytes);
    assert.deepEqual(httpBody({ body: '', isBase64Encoded: true }), Buffer.alloc(0));
  });

  test('refuses a body flagged Base64 that is not Base64', () => {
    assert.equal(reasonOf(() => httpBody({ body: 'not base64!', isBase64Encoded: true })), 'event_body_invalid');
    assert.equal(reasonOf(() => httpBody({ body: 'abc', isBase64Encoded: true })), 'event_body_invalid');
  });
});
