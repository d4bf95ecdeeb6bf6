// local/oss/callback-params.ts: the OSS emulator reads callback headers back as OSS does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCallback } from '../../../local/oss/callback-params';
import { CallbackParamsError, encodeCallback, MAX_CALLBACK_HEADER_BYTES, type CallbackParamsReason } from '../../../lib/protocol/encode';

function throwsWith(fn: () => unknown, reason: CallbackParamsReason) {
  assert.throws(fn, (error: unknown) => error instanceof CallbackParamsError && error.reason === reason, reason);
}

describe('decodeCallback', () => {
  test('is the inverse of encodeCallback', () => {
    const input = {
      urls: ['https://a.example/cb', 'http://b.example/%E4%B8%AD'],
      body: '{"object":${object}}',
      bodyType: 'application/json' as const,
      host: 'a.example',
      vars: { 'x:job_id': 'j', 'x:token': 't' },
    };
    const headers = encodeCallback(input);
    assert.deepEqual(decodeCallback(headers['x-oss-callback'], headers['x-oss-callback-var']), { ...input, sni: true });
  });

  test('applies OSS defaults and accepts what OSS accepts (queries, string SNI)', () => {
    const raw = Buffer.from(JSON.stringify({ callbackUrl: 'http://h/cb?a=1', callbackBody: 'a=${bucket}', callbackSNI: 'false' })).toString('base64');
    assert.deepEqual(decodeCallback(raw), { urls: ['http://h/cb?a=1'], body: 'a=${bucket}', bodyType: 'application/x-www-form-urlencoded', sni: false, vars: {} });
  });

  test('refuses malformed headers with a reason each', () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
    throwsWith(() => decodeCallback('%%%'), 'callback_not_base64');
    throwsWith(() => decodeCallback(''), 'callback_not_base64');
    throwsWith(() => decodeCallback(Buffer.from('{nope').toString('base64')), 'callback_not_json');
    throwsWith(() => decodeCallback(enc([1])), 'callback_not_json');
    throwsWith(() => decodeCallback(enc({ callbackBody: 'a' })), 'callback_url_missing');
    throwsWith(() => decodeCallback(enc({ callbackUrl: 'http://a/1;http://a/2;http://a/3;http://a/4;http://a/5;http://a/6', callbackBody: 'a' })), 'too_many_urls');
    throwsWith(() => decodeCallback(enc({ callbackUrl: 'gopher://a/', callbackBody: 'a' })), 'bad_callback_url');
    throwsWith(() => decodeCallback(enc({ callbackUrl: 'http://a/' })), 'callback_body_missing');
    throwsWith(() => decodeCallback(enc({ callbackUrl: 'http://a/', callbackBody: 'a', callbackBodyType: 'text/xml' })), 'bad_body_type');
    throwsWith(() => decodeCallback(enc({ callbackUrl: 'http://a/', callbackBody: 'a', callbackSNI: 'yes' })), 'callback_not_json');
    const ok = enc({ callbackUrl: 'http://a/', callbackBody: 'a' });
    throwsWith(() => decodeCallback(ok, '***'), 'callback_var_not_base64');
    throwsWith(() => decodeCallback(ok, Buffer.from('[').toString('base64')), 'callback_var_not_json');
    throwsWith(() => decodeCallback(ok, enc({ 'X:Up': 'v' })), 'bad_custom_key');
    throwsWith(() => decodeCallback(ok, enc({ plain: 'v' })), 'bad_custom_key');
    throwsWith(() => decodeCallback('A'.repeat(MAX_CALLBACK_HEADER_BYTES + 4)), 'header_too_large');
  });
});
