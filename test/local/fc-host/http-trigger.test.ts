import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyIsBinary, canonicalHeaderName, eventHeaders, eventQuery, httpAnswerFromResult } from '../../../local/fc-host/http-trigger';

describe('canonicalHeaderName', () => {
  test('writes names as Go canonical MIME keys, like the FC sample event', () => {
    assert.equal(canonicalHeaderName('x-oss-pub-key-url'), 'X-Oss-Pub-Key-Url');
    assert.equal(canonicalHeaderName('X-ACS-CONTENT-SHA256'), 'X-Acs-Content-Sha256');
    assert.equal(canonicalHeaderName('content-md5'), 'Content-Md5');
    assert.equal(canonicalHeaderName('authorization'), 'Authorization');
  });

  test('leaves names with non-token characters alone', () => {
    assert.equal(canonicalHeaderName('bad header'), 'bad header');
  });
});

describe('eventHeaders', () => {
  test('joins repeated headers with commas and drops Host and framing headers', () => {
    const raw = ['Host', 'h:1', 'x-a', '1', 'X-A', '2', 'Content-Length', '3', 'accept', '*/*'];
    assert.deepEqual(eventHeaders(raw), { 'X-A': '1,2', Accept: '*/*' });
  });
});

describe('eventQuery', () => {
  test('decodes values and joins repeated names with commas', () => {
    assert.deepEqual(eventQuery('a=1&a=2&b=%2F&c&d=x+y'), { a: '1,2', b: '/', c: '', d: 'x y' });
    assert.deepEqual(eventQuery(''), {});
  });
});

describe('bodyIsBinary', () => {
  const text = Buffer.from('a=1');
  test('treats textual types holding UTF-8 as text', () => {
    assert.equal(bodyIsBinary('application/x-www-form-urlencoded', text), false);
    assert.equal(bodyIsBinary('application/json; charset=utf-8', text), false);
    assert.equal(bodyIsBinary('text/plain', text), false);
    assert.equal(bodyIsBinary('application/vnd.api+json', text), false);
  });

  test('treats other types, missing types and invalid UTF-8 as binary', () => {
    assert.equal(bodyIsBinary('application/octet-stream', text), true);
    assert.equal(bodyIsBinary('image/png', text), true);
    assert.equal(bodyIsBinary(undefined, text), true);
    assert.equal(bodyIsBinary('text/plain', Buffer.from([0xff, 0xfe])), true);
    assert.equal(bodyIsBinary(undefined, Buffer.alloc(0)), false);
  });

  test('forces Base64 when configured', () => {
    assert.equal(bodyIsBinary('text/plain', text, 'base64'), true);
  });
});

describe('httpAnswerFromResult', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  test('uses a response object', () => {
    const a = httpAnswerFromResult(json({ statusCode: 403, headers: { 'Content-Type': 'application/json', 'X-N': 5 }, body: '{"error":"x"}' }));
    assert.equal(a.status, 403);
    assert.deepEqual(a.headers, { 'Content-Type': 'application/json', 'X-N': '5' });
    assert.equal(a.body.toString(), '{"error":"x"}');
  });

  test('decodes a Base64 body', () => {
    const a = httpAnswerFromResult(json({ statusCode: 200, body: Buffer.from([1, 2, 255]).toString('base64'), isBase64Encoded: true }));
    assert.deepEqual(a.body, Buffer.from([1, 2, 255]));
  });

  test('sends other JSON as an application/json 200', () => {
    const a = httpAnswerFromResult(json({ ok: true }));
    assert.deepEqual([a.status, a.headers['Content-Type'], a.body.toString()], [200, 'application/json', '{"ok":true}']);
  });

  test('sends non-JSON bytes as they are', () => {
    assert.equal(httpAnswerFromResult(Buffer.from('hello')).headers['Content-Type'], 'text/plain; charset=utf-8');
    assert.equal(httpAnswerFromResult(Buffer.from([0xff, 0x00])).headers['Content-Type'], 'application/octet-stream');
    assert.equal(httpAnswerFromResult(Buffer.alloc(0)).status, 200);
  });

  test('turns a malformed response object into a 502 function error', () => {
    assert.equal(httpAnswerFromResult(json({ statusCode: 'x' })).status, 502);
    assert.equal(httpAnswerFromResult(json({ statusCode: 99 })).status, 502);
    assert.equal(httpAnswerFromResult(json({ statusCode: 200, headers: [1] })).status, 502);
  });
});
