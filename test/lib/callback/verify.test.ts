import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  verifyOssCallback,
  signedBytes,
  decodePathOnce,
  CallbackVerificationError,
  type CallbackRequest,
  type VerificationReason,
} from '../../../lib/callback/verify';
import { PublicKeyCache, OSS_CALLBACK_PUBLIC_KEY_V1_PEM } from '../../../lib/callback/public-key';
import { signAsOss, startKeyServer, testKeyPair, type KeyServer } from '../../support/oss-signer';

interface Vector { name: string; path: string; query: string; body: string; bodyType: string; authorization: string }
const fixture = JSON.parse(readFileSync(new URL('../../conformance/callbacks/oss-callback-signed.json', import.meta.url), 'utf8')) as {
  publicKeyUrl: string;
  publicKeyPem: string;
  vectors: Vector[];
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

function vectorRequest(v: Vector, keyUrl = fixture.publicKeyUrl): CallbackRequest {
  return {
    path: v.path,
    query: v.query,
    headers: { Authorization: v.authorization, 'X-Oss-Pub-Key-Url': b64(keyUrl), 'Content-Type': v.bodyType },
    body: v.body,
  };
}

async function rejectsWith(promise: Promise<unknown>, reason: VerificationReason) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CallbackVerificationError, `expected CallbackVerificationError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('verifyOssCallback with callbacks OSS really signed', () => {
  test('the pinned key is the one in the vectors', () => {
    assert.equal(OSS_CALLBACK_PUBLIC_KEY_V1_PEM.trim(), fixture.publicKeyPem.trim());
  });

  for (const v of fixture.vectors) {
    test(`${v.name}: verifies with no network (pinned key, https and http URLs)`, async () => {
      const cache = new PublicKeyCache();
      for (const url of [fixture.publicKeyUrl, fixture.publicKeyUrl.replace('https:', 'http:')]) {
        const verified = await verifyOssCallback(vectorRequest(v, url), { keyCache: cache, allowedKeyUrlPrefixes: ['https://gosspublic.alicdn.com/', 'http://gosspublic.alicdn.com/'] });
        assert.equal(verified.keyUrl, url);
        assert.equal(verified.body.toString(), v.body);
      }
      assert.equal(cache.fetches, 0);
    });

    test(`${v.name}: body as bytes verifies too`, async () => {
      const req = vectorRequest(v);
      await verifyOssCallback({ ...req, body: new Uint8Array(Buffer.from(v.body)) }, { keyCache: new PublicKeyCache() });
    });

    test(`${v.name}: headers in odd letter case`, async () => {
      const req = vectorRequest(v);
      const headers = { AUTHORIZATION: v.authorization, 'x-OSS-pub-KEY-url': b64(fixture.publicKeyUrl) };
      await verifyOssCallback({ ...req, headers }, { keyCache: new PublicKeyCache() });
    });

    test(`${v.name}: any changed byte of body, path or query is refused`, async () => {
      const cache = new PublicKeyCache();
      const req = vectorRequest(v);
      const flip = (s: string, i: number) => s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
      for (const i of [0, Math.floor(v.body.length / 2), v.body.length - 1]) {
        await rejectsWith(verifyOssCallback({ ...req, body: flip(v.body, i) }, { keyCache: cache }), 'signature_mismatch');
      }
      await rejectsWith(verifyOssCallback({ ...req, path: flip(v.path, 3) }, { keyCache: cache }), 'signature_mismatch');
      await rejectsWith(verifyOssCallback({ ...req, query: v.query ? flip(v.query, 0) : 'a=1' }, { keyCache: cache }), 'signature_mismatch');
      const sig = Buffer.from(v.authorization, 'base64');
      sig[5] = sig[5]! ^ 0x80;
      await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: sig.toString('base64') } }, { keyCache: cache }), 'signature_mismatch');
    });
  }

  test('a query-less request is not signed with a lone "?"', async () => {
    const v = fixture.vectors.find((x) => x.query === '')!;
    const req = vectorRequest(v);
    await verifyOssCallback({ ...req, query: undefined }, { keyCache: new PublicKeyCache() });
    assert.equal(signedBytes('/p', '', 'b').toString(), '/p\nb');
    assert.equal(signedBytes('/p', undefined, 'b').toString(), '/p\nb');
    assert.equal(signedBytes('/p', 'q=1', 'b').toString(), '/p?q=1\nb');
  });
});

describe('verifyOssCallback with our own key (sign as OSS does)', () => {
  const pair = testKeyPair(512);
  let server: KeyServer;
  let keyUrl: string;
  before(async () => {
    server = await startKeyServer({ '/k.pem': pair.publicPem });
    keyUrl = `${server.prefix}k.pem`;
  });
  after(() => server.close());

  test('round trip, with a non-ASCII, percent-encoded path; the path is decoded once', async () => {
    const path = '/callback/%E4%B8%8A%E4%BC%A0/a%2520b';
    const body = 'bucket=b&object=%E4%B8%AD%E6%96%87%2Fa%2Bb%20c.txt';
    const headers = signAsOss(pair.privateKey, keyUrl, { path, body });
    assert.equal(decodePathOnce(path).toString(), '/callback/上传/a%20b');
    const cache = new PublicKeyCache();
    const verified = await verifyOssCallback({ path, headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
    assert.equal(verified.bucket, 'test-bucket');
    assert.equal(verified.requestId, '5C06A3B67B8B5A3DA422299D');
    assert.equal(verified.contentType, 'application/x-www-form-urlencoded');
    // Decoding twice, or not at all, must not verify.
    await rejectsWith(verifyOssCallback({ path: decodePathOnce(path).toString(), headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] }), 'signature_mismatch');
  });

  test('binary body bytes are signed as received', async () => {
    const body = new Uint8Array([0, 255, 10, 13, 200, 1]);
    const headers = signAsOss(pair.privateKey, keyUrl, { path: '/cb', body });
    await verifyOssCallback({ path: '/cb', headers, body }, { keyCache: new PublicKeyCache(), allowedKeyUrlPrefixes: [server.prefix] });
  });

  test('the key is fetched once however many requests wait, then served from cache', async () => {
    const cache = new PublicKeyCache();
    const hitsBefore = server.hits();
    const body = 'x=1';
    const headers = signAsOss(pair.privateKey, keyUrl, { path: '/cb', body });
    await Promise.all(Array.from({ length: 20 }, () => verifyOssCallback({ path: '/cb', headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] })));
    await verifyOssCallback({ path: '/cb', headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
    assert.equal(server.hits() - hitsBefore, 1);
    assert.equal(cache.fetches, 1);
  });

  test('the key is fetched again after its TTL', async () => {
    const cache = new PublicKeyCache({ ttlMs: 1 });
    const body = 'x=1';
    const headers = signAsOss(pair.privateKey, keyUrl, { path: '/cb', body });
    await verifyOssCallback({ path: '/cb', headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
    await new Promise((r) => setTimeout(r, 5));
    await verifyOssCallback({ path: '/cb', headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
    assert.equal(cache.fetches, 2);
  });

  test('the default prefixes refuse our key URL, and the env variable can replace them', async () => {
    const body = 'x=1';
    const headers = signAsOss(pair.privateKey, keyUrl, { path: '/cb', body });
    await rejectsWith(verifyOssCallback({ path: '/cb', headers, body }, { keyCache: new PublicKeyCache(), allowedKeyUrlPrefixes: ['https://gosspublic.alicdn.com/'] }), 'pub_key_url_not_allowed');
    const { allowedPrefixesFromEnv } = await import('../../../lib/callback/public-key');
    assert.deepEqual(allowedPrefixesFromEnv({}), ['https://gosspublic.alicdn.com/', 'http://gosspublic.alicdn.com/']);
    assert.deepEqual(allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: `${server.prefix}, https://x.example/keys/` }), [server.prefix, 'https://x.example/keys/']);
    assert.throws(() => allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: 'https://x.example' }), /CALLBACK_PUBKEY_URL_PREFIXES/);
    assert.throws(() => allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: 'ftp://x.example/' }), /CALLBACK_PUBKEY_URL_PREFIXES/);
  });
});

describe('verifyOssCallback refusals, one reason each', () => {
  const v = fixture.vectors[0]!;
  const opts = () => ({ keyCache: new PublicKeyCache() });

  test('body_too_large is checked before anything else', async () => {
    const body = Buffer.alloc(1024 * 1024 + 1, 0x61);
    await rejectsWith(verifyOssCallback({ path: '/', headers: {}, body }, opts()), 'body_too_large');
    await rejectsWith(verifyOssCallback({ path: '/', headers: {}, body: 'abc' }, { ...opts(), maxBodyBytes: 2 }), 'body_too_large');
  });

  test('authorization_missing / authorization_malformed / header_duplicated', async () => {
    const req = vectorRequest(v);
    await rejectsWith(verifyOssCallback({ ...req, headers: { 'x-oss-pub-key-url': b64(fixture.publicKeyUrl) } }, opts()), 'authorization_missing');
    await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: '' } }, opts()), 'authorization_missing');
    await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: 'OSS abc:def' } }, opts()), 'authorization_malformed');
    await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: '***' } }, opts()), 'authorization_malformed');
    await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, authorization: v.authorization } }, opts()), 'header_duplicated');
    await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: [v.authorization, v.authorization] } }, opts()), 'header_duplicated');
  });

  // Found by test/reliability/forged-callbacks.test.ts: decoders ignore the bits padding
  // leaves unused, so a changed last character of a real signature still verified.
  test('a Base64 spelling with padding bits set is refused (Authorization and key URL)', async () => {
    const req = vectorRequest(v);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const respell = (b64value: string): string[] => {
      const padding = b64value.endsWith('==') ? 2 : b64value.endsWith('=') ? 1 : 0;
      assert.ok(padding > 0, 'the fixture must have padding for this test to mean anything');
      const at = b64value.length - padding - 1;
      const value = alphabet.indexOf(b64value[at]!);
      const unused = padding === 1 ? 0b11 : 0b1111;
      const out: string[] = [];
      for (let bits = 1; bits <= unused; bits++) out.push(b64value.slice(0, at) + alphabet[(value & ~unused) | bits] + b64value.slice(at + 1));
      return out;
    };
    for (const authorization of respell(v.authorization)) {
      assert.deepEqual(Buffer.from(authorization, 'base64'), Buffer.from(v.authorization, 'base64'));
      await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, Authorization: authorization } }, opts()), 'authorization_malformed');
    }
    for (const header of respell(req.headers['X-Oss-Pub-Key-Url'] as string)) {
      await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, 'X-Oss-Pub-Key-Url': header } }, opts()), 'pub_key_url_malformed');
    }
    await verifyOssCallback(req, opts());
  });

  test('pub_key_url_missing / pub_key_url_malformed', async () => {
    const req = vectorRequest(v);
    await rejectsWith(verifyOssCallback({ ...req, headers: { Authorization: v.authorization } }, opts()), 'pub_key_url_missing');
    await rejectsWith(verifyOssCallback({ ...req, headers: { Authorization: v.authorization, 'x-oss-pub-key-url': fixture.publicKeyUrl } }, opts()), 'pub_key_url_malformed');
    await rejectsWith(verifyOssCallback({ ...req, headers: { Authorization: v.authorization, 'x-oss-pub-key-url': b64('https://gosspublic.alicdn.com/a b.pem') } }, opts()), 'pub_key_url_malformed');
    await rejectsWith(verifyOssCallback({ ...req, headers: { Authorization: v.authorization, 'x-oss-pub-key-url': b64('\u0000') } }, opts()), 'pub_key_url_malformed');
  });

  test('pub_key_url_not_allowed for look-alike hosts, userinfo, other schemes, queries', async () => {
    const req = vectorRequest(v);
    for (const url of [
      'https://gosspublic.alicdn.com.evil.com/k.pem',
      'https://gosspublic.alicdn.com@evil.com/k.pem',
      'https://evil.com/gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'file:///etc/passwd',
      'https://gosspublic.alicdn.com\\@evil.com/k.pem',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem?x=1',
      'HTTPS://gosspublic.alicdn.com.evil.com/',
    ]) {
      await rejectsWith(verifyOssCallback({ ...req, headers: { ...req.headers, 'X-Oss-Pub-Key-Url': b64(url) } }, opts()), 'pub_key_url_not_allowed');
    }
  });

  test('pub_key_fetch_failed: 404, redirect, huge, slow, not a key, refused — and a failure is remembered briefly', async () => {
    const pair = testKeyPair(512);
    let slowCalls = 0;
    const server = await startKeyServer({
      '/redirect.pem': (_req, res) => res.writeHead(302, { location: '/good.pem' }).end(),
      '/good.pem': pair.publicPem,
      '/huge.pem': (_req, res) => res.writeHead(200).end(Buffer.alloc(64 * 1024, 0x41)),
      '/junk.pem': 'not a key',
      '/slow.pem': () => {
        slowCalls += 1; // never answers
      },
    });
    let now = Date.now();
    try {
      const cache = new PublicKeyCache({ fetchTimeoutMs: 200, failureTtlMs: 30_000, fetchesPerMinute: 100, now: () => now });
      for (const name of ['missing.pem', 'redirect.pem', 'huge.pem', 'junk.pem', 'slow.pem']) {
        const keyUrl = `${server.prefix}${name}`;
        const headers = signAsOss(pair.privateKey, keyUrl, { path: '/cb', body: 'a=1' });
        await rejectsWith(verifyOssCallback({ path: '/cb', headers, body: 'a=1' }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] }), 'pub_key_fetch_failed');
      }
      assert.equal(slowCalls, 1);
      const before = cache.fetches;
      const headers = signAsOss(pair.privateKey, `${server.prefix}junk.pem`, { path: '/cb', body: 'a=1' });
      const hits = server.hits();
      await rejectsWith(verifyOssCallback({ path: '/cb', headers, body: 'a=1' }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] }), 'pub_key_fetch_failed');
      assert.equal(cache.fetches, before, 'a recent failure is answered without fetching again');
      assert.equal(server.hits(), hits);
      now += 30_001;
      await rejectsWith(verifyOssCallback({ path: '/cb', headers, body: 'a=1' }, { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] }), 'pub_key_fetch_failed');
      assert.equal(cache.fetches, before + 1, 'once the failure is old, the key is fetched again');
    } finally {
      await server.close();
    }
    const pairB = testKeyPair(512);
    const headers = signAsOss(pairB.privateKey, 'http://127.0.0.1:1/k.pem', { path: '/cb', body: 'a=1' });
    await rejectsWith(verifyOssCallback({ path: '/cb', headers, body: 'a=1' }, { keyCache: new PublicKeyCache(), allowedKeyUrlPrefixes: ['http://127.0.0.1:1/'] }), 'pub_key_fetch_failed');
  });

  test('signature_mismatch: a key of our own under an allowed prefix cannot pass as OSS', async () => {
    const pair = testKeyPair(512);
    const headers = signAsOss(pair.privateKey, fixture.publicKeyUrl, { path: v.path, query: v.query, body: v.body });
    await rejectsWith(verifyOssCallback({ path: v.path, query: v.query, headers, body: v.body }, opts()), 'signature_mismatch');
  });
});
