import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createJobToken, verifyJobToken, parseTokenSecrets, canonicalVars, varsDigest, JobTokenError, TokenSecretError, type JobTokenReason } from '../../../lib/protocol/token';

const NEW = 'new-secret-0123456789abcdef';
const OLD = 'old-secret-0123456789abcdef';
const subject = { jobId: 'inv-2026-0001', bucket: 'uploads', key: 'photos/中文 a.jpg', vars: { customer: 'c-17', note: 'a "quoted" / 中文 value' } };
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function throwsWith(fn: () => unknown, reason: JobTokenReason) {
  assert.throws(fn, (e: unknown) => e instanceof JobTokenError && e.reason === reason);
}

describe('job tokens', () => {
  test('a token verifies for its exact subject only', () => {
    const token = createJobToken([NEW], subject);
    assert.match(token, /^v2\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    verifyJobToken([NEW], subject, token);
    throwsWith(() => verifyJobToken([NEW], { ...subject, jobId: 'inv-2026-0002' }, token), 'token_mismatch');
    throwsWith(() => verifyJobToken([NEW], { ...subject, bucket: 'other' }, token), 'token_mismatch');
    throwsWith(() => verifyJobToken([NEW], { ...subject, key: 'photos/中文 b.jpg' }, token), 'token_mismatch');
    // Moving a character between fields must not keep the MAC valid.
    throwsWith(() => verifyJobToken([NEW], { ...subject, jobId: 'inv-2026-000', bucket: '1uploads' }, token), 'token_mismatch');
  });

  test('the token covers the vars: a swapped, added, removed or renamed var is refused', () => {
    const token = createJobToken([NEW], subject);
    const variants: Record<string, Record<string, string>> = {
      'value swapped': { ...subject.vars, customer: 'c-18' },
      'values exchanged': { customer: subject.vars.note, note: subject.vars.customer },
      'var added': { ...subject.vars, extra: '' },
      'var removed': { customer: subject.vars.customer },
      'all removed': {},
      'var renamed': { customer2: subject.vars.customer, note: subject.vars.note },
      'name and value moved': { customer: 'c-17note', '': 'a "quoted" / 中文 value' },
    };
    for (const [name, vars] of Object.entries(variants)) {
      assert.throws(() => verifyJobToken([NEW], { ...subject, vars }, token), (e: unknown) => e instanceof JobTokenError && e.reason === 'token_mismatch', name);
    }
    // The order the vars arrive in does not matter: the canonical form sorts them.
    verifyJobToken([NEW], { ...subject, vars: { note: subject.vars.note, customer: subject.vars.customer } }, token);
  });

  test('the canonical form of vars: JSON pairs sorted by code point, hashed with SHA-256', () => {
    assert.equal(canonicalVars({}), '[]');
    assert.equal(canonicalVars({ b: '2', a: 'x"y\\' }), '[["a","x\\"y\\\\"],["b","2"]]');
    // Code-point order, not UTF-16 order: U+FF5E sorts before U+1F600 here, after it in sort().
    assert.equal(canonicalVars({ '\u{1F600}': '1', '\uFF5E': '2' }), '[["\uFF5E","2"],["\u{1F600}","1"]]');
    assert.equal(canonicalVars({ 'a.b': '\u0001\n' }), '[["a.b","\\u0001\\n"]]');
    assert.equal(varsDigest({}), '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945');
    assert.equal(varsDigest({ a: '1' }), createHash('sha256').update('[["a","1"]]', 'utf8').digest('hex'));
    // The MAC is exactly what token.ts documents, so another implementation can mint tokens.
    const now = Date.UTC(2026, 11, 2, 12, 0, 0);
    const iat = Math.floor(now / 1000).toString(36);
    const expected = createHmac('sha256', NEW)
      .update(JSON.stringify(['v2', iat, subject.jobId, subject.bucket, subject.key, varsDigest(subject.vars)]), 'utf8')
      .digest('base64url');
    assert.equal(createJobToken([NEW], subject, now), `v2.${iat}.${expected}`);
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
    throwsWith(() => verifyJobToken([NEW], subject, 'v3.abc.' + 'A'.repeat(43)), 'token_malformed');
    const token = createJobToken([NEW], subject);
    const [v, iat, mac] = token.split('.') as [string, string, string];
    throwsWith(() => verifyJobToken([NEW], subject, `${v}.${(parseInt(iat, 36) + 1).toString(36)}.${mac}`), 'token_mismatch');
    const flipped = mac.slice(0, 10) + (mac[10] === 'A' ? 'B' : 'A') + mac.slice(11);
    throwsWith(() => verifyJobToken([NEW], subject, `${v}.${iat}.${flipped}`), 'token_mismatch');
    throwsWith(() => verifyJobToken([NEW], subject, `${token}=`), 'token_malformed');
    const longAgo = Date.now() - 2 * 24 * 3600 * 1000;
    throwsWith(() => verifyJobToken([NEW], subject, createJobToken([NEW], subject, longAgo)), 'token_expired');
    verifyJobToken([NEW], subject, createJobToken([NEW], subject, longAgo), { maxAgeMs: 3 * 24 * 3600 * 1000 });
  });

  test('only the canonical Base64url spelling of the MAC is accepted (the unused low bits of the last character are zero)', () => {
    const token = createJobToken([NEW], subject);
    const last = token.at(-1)!;
    const value = B64URL.indexOf(last);
    assert.equal(value & 0b11, 0, 'an encoder writes the unused bits as zero');
    for (let bits = 1; bits <= 0b11; bits++) {
      const respelled = token.slice(0, -1) + B64URL[value | bits];
      // Decoders ignore those bits: the respelled MAC decodes to the same bytes...
      assert.deepEqual(Buffer.from(respelled.split('.')[2]!, 'base64url'), Buffer.from(token.split('.')[2]!, 'base64url'));
      // ...and is still refused.
      throwsWith(() => verifyJobToken([NEW], subject, respelled), 'token_malformed');
    }
    verifyJobToken([NEW], subject, token);
  });

  test('version 1 tokens (made before tokens covered the vars) are refused as outdated', () => {
    // A v1 token exactly as the previous release minted it: HMAC over [v1, iat, jobId, bucket, key].
    const iat = Math.floor(Date.now() / 1000).toString(36);
    const v1mac = createHmac('sha256', NEW).update(JSON.stringify(['v1', iat, subject.jobId, subject.bucket, subject.key]), 'utf8').digest('base64url');
    throwsWith(() => verifyJobToken([NEW], subject, `v1.${iat}.${v1mac}`), 'token_outdated');
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
