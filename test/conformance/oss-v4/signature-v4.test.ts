// The emulator's V4 verifier against signatures Alibaba's Swift SDK computed
// (oss-v4-signatures.json, see README.md): each vector must verify at its own time, and
// each change OSS signs (a header, the query, the key, the secret, the region, the token,
// the clock) must break it with OSS's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { AccessKeys } from '../../../local/oss/access-keys';
import { OssError } from '../../../local/oss/errors';
import type { SignedRequest } from '../../../local/oss/signed-request';
import { canonicalQuery, parseV4Authorization, parseV4Timestamp, verifyV4, type V4Check } from '../../../local/oss/signature-v4';

interface Vector {
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  region: string;
  method: string;
  bucket: string;
  key: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  additionalHeaders?: string[];
  canonicalQuery?: string;
  authorization: string;
}

const { vectors } = JSON.parse(readFileSync(new URL('./oss-v4-signatures.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const MINUTE = 60_000;

/** The query as the Swift SDK puts it on the URL: every parameter `name=value`, empty values as `name=`. */
function rawQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** The request as the emulator's server would see it: lower-case header names, the Authorization added. */
function requestOf(v: Vector, changes: { headers?: Record<string, string | undefined>; query?: string; key?: string } = {}): SignedRequest {
  const headers: IncomingHttpHeaders = { ...v.headers, authorization: v.authorization };
  if (v.securityToken) headers['x-oss-security-token'] = v.securityToken;
  for (const [name, value] of Object.entries(changes.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { method: v.method, headers, bucket: v.bucket, key: changes.key ?? v.key, query: new URLSearchParams(changes.query ?? rawQuery(v.query)) };
}

/** Where and when the vector was signed, with its keys known. */
function checkOf(v: Vector, overrides: Partial<V4Check> = {}): V4Check {
  const keys = v.securityToken
    ? new AccessKeys([], [{ accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret, securityToken: v.securityToken }])
    : new AccessKeys([{ accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret }]);
  return { keys, region: v.region, now: parseV4Timestamp(v.headers['x-oss-date']!), ...overrides };
}

function refusal(request: SignedRequest, check: V4Check): OssError {
  try {
    verifyV4(request, String(request.headers.authorization), check);
  } catch (error) {
    assert.ok(error instanceof OssError, `expected an OssError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the signature to be refused');
}

function assertMismatch(request: SignedRequest, check: V4Check, what: string): void {
  const error = refusal(request, check);
  assert.equal(error.code, 'SignatureDoesNotMatch', what);
  assert.equal(error.status, 403, what);
  assert.equal(error.ec, '0002-00000040', what);
}

for (const v of vectors) {
  test(`vector "${v.name}" verifies at its own time`, () => {
    assert.doesNotThrow(() => verifyV4(requestOf(v), v.authorization, checkOf(v)));
    const parsed = parseV4Authorization(v.authorization);
    assert.equal(parsed.region, v.region);
    assert.deepEqual(parsed.additionalHeaders, v.additionalHeaders ?? []);
  });

  test(`vector "${v.name}": anything it signs, changed, is SignatureDoesNotMatch`, () => {
    assertMismatch(requestOf(v), checkOf(v, { keys: new AccessKeys([{ accessKeyId: v.accessKeyId, accessKeySecret: 'not-sk' }], v.securityToken ? [{ accessKeyId: v.accessKeyId, accessKeySecret: 'not-sk', securityToken: v.securityToken }] : []) }), 'secret');
    assertMismatch(requestOf(v, { headers: { 'x-oss-head1': 'other' } }), checkOf(v), 'an x-oss-* header');
    assertMismatch(requestOf(v, { headers: { 'x-oss-meta-added': '1' } }), checkOf(v), 'an x-oss-* header added');
    assertMismatch(requestOf(v, { headers: { 'content-type': 'text/html' } }), checkOf(v), 'content-type');
    assertMismatch(requestOf(v, { query: rawQuery({ ...v.query, param1: 'value2' }) }), checkOf(v), 'a query value');
    assertMismatch(requestOf(v, { query: rawQuery({ ...v.query, extra: 'x' }) }), checkOf(v), 'a query parameter added');
    assertMismatch(requestOf(v, { key: `${v.key}x` }), checkOf(v), 'the key');
    assertMismatch({ ...requestOf(v), method: 'POST' }, checkOf(v), 'the method');
  });

  test(`vector "${v.name}": the scope's region and day, and the clock`, () => {
    const region = refusal(requestOf(v), checkOf(v, { region: 'cn-shanghai' }));
    assert.equal(region.ec, '0002-00000228');
    assert.equal(region.status, 400);
    const signedAt = parseV4Timestamp(v.headers['x-oss-date']!);
    assert.doesNotThrow(() => verifyV4(requestOf(v), v.authorization, checkOf(v, { now: signedAt + 15 * MINUTE })), '15 minutes is still in time');
    assert.doesNotThrow(() => verifyV4(requestOf(v), v.authorization, checkOf(v, { now: signedAt - 15 * MINUTE })));
    for (const now of [signedAt + 15 * MINUTE + 1000, signedAt - 15 * MINUTE - 1000]) {
      const skewed = refusal(requestOf(v), checkOf(v, { now }));
      assert.equal(skewed.code, 'RequestTimeTooSkewed');
      assert.equal(skewed.status, 403);
      assert.equal(skewed.ec, '0002-00000504');
      assert.equal(skewed.details.RequestTime, v.headers['x-oss-date']);
      assert.equal(skewed.details.MaxAllowedSkewMilliseconds, '900000');
    }
    // An x-oss-date on another day than the Credential's scope.
    const nextDay = v.headers['x-oss-date']!.replace(/^(\d{6})(\d\d)/, (_, ym: string, d: string) => `${ym}${String(Number(d) + 1).padStart(2, '0')}`);
    const otherDay = refusal(requestOf(v, { headers: { 'x-oss-date': nextDay } }), checkOf(v, { now: parseV4Timestamp(nextDay) }));
    assert.equal(otherDay.ec, '0002-00000212');
    const noDate = refusal(requestOf(v, { headers: { 'x-oss-date': undefined } }), checkOf(v));
    assert.equal(noDate.code, 'AccessDenied');
  });
}

test('the canonical query: names and values encoded and sorted, empty values as the name alone', () => {
  const v = vectors.find((x) => x.canonicalQuery !== undefined)!;
  assert.equal(canonicalQuery(new URLSearchParams(rawQuery(v.query))), v.canonicalQuery);
  // The URL may carry an empty value as `name=` (the Swift SDK does) or as `name`: the same parameter.
  const bare = rawQuery(v.query).replace(/=(&|$)/g, '$1');
  assert.notEqual(bare, rawQuery(v.query));
  assert.equal(canonicalQuery(new URLSearchParams(bare)), v.canonicalQuery);
  assert.doesNotThrow(() => verifyV4(requestOf(v, { query: bare }), v.authorization, checkOf(v)));
});

test('AdditionalHeaders: the named headers are signed, other plain headers are not', () => {
  const withExtra = vectors.find((x) => x.additionalHeaders !== undefined)!;
  const plain = vectors.find((x) => x.additionalHeaders === undefined && x.securityToken === undefined)!;
  assertMismatch(requestOf(withExtra, { headers: { abc: 'changed' } }), checkOf(withExtra), 'abc is in AdditionalHeaders');
  assertMismatch(requestOf(withExtra, { headers: { zabc: undefined } }), checkOf(withExtra), 'zabc is in AdditionalHeaders and missing');
  assert.doesNotThrow(() => verifyV4(requestOf(withExtra, { headers: { xyz: 'changed' } }), withExtra.authorization, checkOf(withExtra)), 'xyz is not signed');
  assert.doesNotThrow(() => verifyV4(requestOf(plain, { headers: { abc: 'changed', zabc: 'changed' } }), plain.authorization, checkOf(plain)), 'without AdditionalHeaders abc is not signed');
});

test('the STS token: signed as x-oss-security-token, and only valid with its key', () => {
  const v = vectors.find((x) => x.securityToken !== undefined)!;
  const otherToken = refusal(requestOf(v, { headers: { 'x-oss-security-token': 'stolen' } }), checkOf(v));
  assert.equal(otherToken.code, 'InvalidSecurityToken');
  assert.equal(otherToken.status, 403);
  const noToken = refusal(requestOf(v, { headers: { 'x-oss-security-token': undefined } }), checkOf(v));
  assert.equal(noToken.code, 'InvalidAccessKeyId', 'an STS key id without its token is not a key');
  assert.equal(noToken.ec, '0002-00000902');
  const keys = new AccessKeys([], [{ accessKeyId: 'another-ak', accessKeySecret: v.accessKeySecret, securityToken: v.securityToken! }]);
  assert.equal(refusal(requestOf(v), checkOf(v, { keys })).code, 'AccessKeyIdAndSecurityTokenNotMatch');
  // A token that was not signed: the token header is an x-oss-* header, so adding one to
  // a request signed without it breaks the signature even when the token is valid.
  const plain = vectors.find((x) => x.securityToken === undefined && x.additionalHeaders === undefined)!;
  const both = new AccessKeys([], [{ accessKeyId: plain.accessKeyId, accessKeySecret: plain.accessKeySecret, securityToken: 'token' }]);
  assertMismatch(requestOf(plain, { headers: { 'x-oss-security-token': 'token' } }), checkOf(plain, { keys: both }), 'an unsigned token');
});

test('x-oss-content-sha256 must be UNSIGNED-PAYLOAD', () => {
  const v = vectors[0]!;
  const hashed = refusal(requestOf(v, { headers: { 'x-oss-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } }), checkOf(v));
  assert.equal(hashed.ec, '0002-00000214');
});
