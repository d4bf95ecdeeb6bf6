import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeCallback,
  encodeUrlOnce,
  CallbackParamsError,
  MAX_CALLBACK_HEADER_BYTES,
  type CallbackParamsReason,
} from '../../../lib/protocol/encode';

const fromB64 = (s: string) => JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as Record<string, unknown>;

function throwsWith(fn: () => unknown, reason: CallbackParamsReason, mentions?: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CallbackParamsError, `expected CallbackParamsError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    if (mentions) assert.match(error.message, mentions);
    return true;
  });
}

describe('encodeCallback', () => {
  test('writes Base64 JSON exactly as OSS reads it', () => {
    const headers = encodeCallback({
      urls: ['https://cb.example.com/oss'],
      body: 'bucket=${bucket}&job=${x:job_id}',
      host: 'cb.example.com',
      vars: { 'x:job_id': 'j-1', 'x:note': '中文' },
    });
    assert.deepEqual(fromB64(headers['x-oss-callback']), {
      callbackUrl: 'https://cb.example.com/oss',
      callbackBody: 'bucket=${bucket}&job=${x:job_id}',
      callbackBodyType: 'application/x-www-form-urlencoded',
      callbackHost: 'cb.example.com',
      callbackSNI: true,
    });
    assert.deepEqual(fromB64(headers['x-oss-callback-var']!), { 'x:job_id': 'j-1', 'x:note': '中文' });
  });

  test('callbackSNI is a boolean, true by default only for https', () => {
    assert.equal(fromB64(encodeCallback({ urls: 'http://h/cb', body: 'a=b' })['x-oss-callback']).callbackSNI, undefined);
    assert.equal(fromB64(encodeCallback({ urls: 'https://h/cb', body: 'a=b' })['x-oss-callback']).callbackSNI, true);
    assert.equal(fromB64(encodeCallback({ urls: 'https://h/cb', body: 'a=b', sni: false })['x-oss-callback']).callbackSNI, undefined);
    assert.equal(fromB64(encodeCallback({ urls: 'http://h/cb', body: 'a=b', sni: true })['x-oss-callback']).callbackSNI, true);
  });

  test('no x-oss-callback-var without custom variables', () => {
    assert.equal(encodeCallback({ urls: 'http://h/cb', body: 'a=b' })['x-oss-callback-var'], undefined);
  });

  test('several URLs are joined with ";" and each is encoded exactly once', () => {
    const headers = encodeCallback({ urls: ['https://a.example/上传 x', 'https://b.example/a%20b'], body: 'a=b' });
    assert.equal(fromB64(headers['x-oss-callback']).callbackUrl, 'https://a.example/%E4%B8%8A%E4%BC%A0%20x;https://b.example/a%20b');
    assert.equal(encodeUrlOnce('http://h/a%20b%zz;c'), 'http://h/a%20b%25zz%3Bc');
    assert.equal(encodeUrlOnce(encodeUrlOnce('http://h/😀 é')), encodeUrlOnce('http://h/😀 é'));
  });

  test('refuses what OSS refuses, naming the problem', () => {
    throwsWith(() => encodeCallback({ urls: [], body: 'a=b' }), 'callback_url_missing');
    throwsWith(() => encodeCallback({ urls: '', body: 'a=b' }), 'callback_url_missing');
    throwsWith(() => encodeCallback({ urls: ['http://h/1', 'http://h/2', 'http://h/3', 'http://h/4', 'http://h/5', 'http://h/6'], body: 'a=b' }), 'too_many_urls', /at most 5/);
    throwsWith(() => encodeCallback({ urls: 'ftp://h/cb', body: 'a=b' }), 'bad_callback_url', /http or https/);
    throwsWith(() => encodeCallback({ urls: 'not a url', body: 'a=b' }), 'bad_callback_url');
    throwsWith(() => encodeCallback({ urls: 'http://user:pw@h/cb', body: 'a=b' }), 'bad_callback_url', /user info/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb?x=1', body: 'a=b' }), 'callback_url_has_query', /query/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb?', body: 'a=b' }), 'callback_url_has_query');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb#f', body: 'a=b' }), 'bad_callback_url', /fragment/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: '' }), 'callback_body_missing');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: '   ' }), 'callback_body_missing');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', bodyType: 'text/plain' as never }), 'bad_body_type');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', host: 'a b' }), 'bad_callback_host');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', vars: { job: 'x' } }), 'bad_custom_key', /"job"/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', vars: { 'x:Job': 'x' } }), 'bad_custom_key', /lowercase/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', vars: { 'x:': 'x' } }), 'bad_custom_key');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', vars: { 'x:n': 1 as never } }), 'bad_custom_value');
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a'.repeat(4000) }), 'header_too_large', /x-oss-callback/);
    throwsWith(() => encodeCallback({ urls: 'http://h/cb', body: 'a', vars: { 'x:big': 'v'.repeat(4000) } }), 'header_too_large', /x-oss-callback-var/);
  });

  test('the 5 KB limit is on the header value, inclusive', () => {
    const length = (n: number): number | 'refused' => {
      try {
        return encodeCallback({ urls: 'http://h/cb', body: 'x'.repeat(n) })['x-oss-callback'].length;
      } catch (error) {
        assert.ok(error instanceof CallbackParamsError && error.reason === 'header_too_large');
        return 'refused';
      }
    };
    let n = 1;
    while (length(n + 1) !== 'refused') n += 1;
    assert.ok((length(n) as number) <= MAX_CALLBACK_HEADER_BYTES);
    assert.ok((length(n) as number) > MAX_CALLBACK_HEADER_BYTES - 4, 'refusal starts right at the limit');
  });
});
