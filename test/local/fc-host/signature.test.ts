import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import FC from '@alicloud/fc2';
import { parseAuthorization, sign, signaturesEqual, stringToSign } from '../../../local/fc-host/signature';

// fc2's own static signer is the reference: whatever it signs, the host must accept.
const fc2 = FC as unknown as {
  getSignature(id: string, secret: string, method: string, path: string, headers: Record<string, string>, queries: Record<string, string> | null): string;
};

describe('FC API signature', () => {
  const headers = {
    'content-md5': 'ZTEwYWRjMzk0OWJhNTlhYmJlNTZlMDU3ZjIwZjg4M2U=',
    'content-type': 'application/octet-stream',
    date: 'Mon, 23 Nov 2026 11:00:00 GMT',
    'x-fc-account-id': '1234',
    'X-Fc-Invocation-Type': 'Async',
    'x-fc-log-type': 'Tail',
    host: 'ignored',
  };
  const path = '/2016-08-15/services/local/functions/echo/invocations';

  test('matches @alicloud/fc2 for an invocation', () => {
    const expected = fc2.getSignature('id', 'secret', 'POST', path, headers, null);
    assert.equal(`FC id:${sign(stringToSign('POST', path, headers), 'secret')}`, expected);
  });

  test('matches @alicloud/fc2 with signed queries', () => {
    const queries = { b: 'xyz', a: '123', 'foo-bar': '123 ~ xyz-a' };
    const expected = fc2.getSignature('id', 'secret', 'GET', '/2016-08-15/proxy/s/f/', { date: 'today' }, queries);
    assert.equal(`FC id:${sign(stringToSign('GET', '/2016-08-15/proxy/s/f/', { date: 'today' }, queries), 'secret')}`, expected);
  });

  test('covers x-fc-* headers, so changing one changes the signature', () => {
    const a = sign(stringToSign('POST', path, headers), 's');
    const b = sign(stringToSign('POST', path, { ...headers, 'x-fc-log-type': 'None' }), 's');
    const c = sign(stringToSign('POST', path, { ...headers, 'user-agent': 'other' }), 's');
    assert.notEqual(a, b);
    assert.equal(a, c);
  });

  test('parses the Authorization header', () => {
    assert.deepEqual(parseAuthorization('FC LTAIabc:c2ln+/='), { accessKeyId: 'LTAIabc', signature: 'c2ln+/=' });
    assert.equal(parseAuthorization('OSS a:b'), undefined);
    assert.equal(parseAuthorization('FC nocolon'), undefined);
    assert.equal(parseAuthorization(undefined), undefined);
  });

  test('compares signatures exactly', () => {
    assert.equal(signaturesEqual('abc', 'abc'), true);
    assert.equal(signaturesEqual('abc', 'abd'), false);
    assert.equal(signaturesEqual('abc', 'abcd'), false);
  });
});
