// lib/protocol/base64.ts: the one reading of standard Base64 that must be exact
// (RFC 4648 section 4), checked against Node's own encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { base64Padding, BASE64_PATTERN, canonicalBase64Bytes, hasCanonicalTail } from '../../../lib/protocol/base64';

test('what Node encodes is read back byte for byte, for every length of padding', () => {
  for (let size = 1; size <= 64; size++) {
    const bytes = randomBytes(size);
    const text = bytes.toString('base64');
    assert.ok(BASE64_PATTERN.test(text));
    assert.equal(base64Padding(text), (3 - (size % 3)) % 3);
    assert.ok(hasCanonicalTail(text, base64Padding(text)));
    assert.deepEqual(canonicalBase64Bytes(text), bytes);
  }
});

test('only the one spelling an encoder writes is canonical: other unused bits, no padding, other alphabets, empty are refused', () => {
  // 'e30=' and 'e31=' both decode to "{}" in Node; 'AA==' … 'AP==' all decode to one zero byte.
  assert.equal(canonicalBase64Bytes('e31='), undefined);
  for (const c of 'BCDEFGHIJKLMNOP') assert.equal(canonicalBase64Bytes(`A${c}==`), undefined, `A${c}==`);
  for (const text of ['', 'e30', 'e3=0', 'e30==', 'e3-_', ' e30=', 'e30=\n']) assert.equal(canonicalBase64Bytes(text), undefined, JSON.stringify(text));
  assert.deepEqual(canonicalBase64Bytes('AA=='), Buffer.from([0]));
  assert.ok(BASE64_PATTERN.test(''), 'the pattern alone takes the empty string (an empty FC body)');
});
