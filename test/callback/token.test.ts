import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobToken, verifyJobToken, parseTokenSecrets, JobTokenError, TokenSecretError, type JobTokenReason } from '../../lib/callback/token';

const NEW = 'new-secret-0123456789abcdef';
const OLD = 'old-secret-0123456789abcdef';
const subject = { jobId: 'inv-2026-0001', bucket: 'uploads', key: 'photos/中文 a.jpg' };

function throwsWith(fn: () => unknown, reason: JobTokenReason) {
  assert.throws(fn, (e: unknown) => e instanceof JobTokenError && e.reason === reason);
}

describe('job tokens', () => {
  test('a token verifies for its exact subject only', () => {
    const token = createJobToken([NEW], subject);
    verifyJobToken([NEW], subject, token);
    throwsWith(() => verifyJobToken([NEW], { ...subject, jobId: 'inv-2026-0002' }, token), 'token_mismatch');
    throwsWith(() => verifyJobToken([NEW], { ...subject, bucket: 'other' }, token), 'token_mismatch');
    throwsWith(() => verifyJobToken([NEW], { ...subject, key: 'photos/中文 b.jpg' }, token), 'token_mismatch');
    // Moving a character between fields must not keep the MAC valid.
    throwsWith(() => verifyJobToken([NEW], { jobId: 'inv-2026-000', bucket: '1uploads', key: subject.key }, token), 'token_mismatch');
  });

  test('rotation: the first secret signs, every listed secret verifies', () => {
    const oldToken = createJobToken([OLD], subject);
    verifyJobToken([NEW, OLD], subject, oldToken);
    throwsWith(() => verifyJobToken([NEW], subject, oldToken), 'token_mismatch');
    const token = createJobToken([NEW, OLD], subject);
    verifyJobToken([NEW], subject, token);
  });

  test('missing, malformed, tampered and stale tokens are refused', () => {
    throwsWith(() => verifyJobToken([NEW], subject, undefined), 'token_missing');
    throwsWith(() => verifyJobToken([NEW], subject, ''), 'token_missing');
    throwsWith(() => verifyJobToken([NEW], subject, 'hello'), 'token_malformed');
    throwsWith(() => verifyJobToken([NEW], subject, 'v2.abc.' + 'A'.repeat(43)), 'token_malformed');
    const token = createJobToken([NEW], subject);
    const [v, iat, mac] = token.split('.') as [string, string, string];
    throwsWith(() => verifyJobToken([NEW], subject, `${v}.${(parseInt(iat, 36) + 1).toString(36)}.${mac}`), 'token_mismatch');
    const flipped = mac.slice(0, 10) + (mac[10] === 'A' ? 'B' : 'A') + mac.slice(11);
    throwsWith(() => verifyJobToken([NEW], subject, `${v}.${iat}.${flipped}`), 'token_mismatch');
    const longAgo = Date.now() - 2 * 24 * 3600 * 1000;
    throwsWith(() => verifyJobToken([NEW], subject, createJobToken([NEW], subject, longAgo)), 'token_expired');
    verifyJobToken([NEW], subject, createJobToken([NEW], subject, longAgo), { maxAgeMs: 3 * 24 * 3600 * 1000 });
  });

  test('parseTokenSecrets names the variable, never the value', () => {
    assert.deepEqual(parseTokenSecrets(` ${NEW} , ${OLD}`), [NEW, OLD]);
    assert.throws(() => parseTokenSecrets(undefined), (e: unknown) => e instanceof TokenSecretError && e.reason === 'missing_setting' && /CALLBACK_TOKEN_SECRET/.test(e.message));
    assert.throws(
      () => parseTokenSecrets(`${NEW},short-one`),
      (e: unknown) => e instanceof TokenSecretError && e.reason === 'bad_setting' && /#2/.test(e.message) && !e.message.includes('short-one'),
    );
  });
});
