// Public keys: one canonical spelling per key URL, a bounded LRU cache that drops
// expired keys, remembered failures, a limit on fetches per minute, and OSS's pinned key
// that never needs any of it. Keys are served over real HTTP by a local key server.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PublicKeyCache,
  PublicKeyError,
  assertKeyUrlAllowed,
  isCanonicalKeyUrl,
  parsePrefixes,
  allowedPrefixesFromEnv,
  type PublicKeyReason,
} from '../../../lib/callback/public-key';
import { verifyOssCallback, CallbackVerificationError, type VerificationReason } from '../../../lib/callback/verify';
import { signAsOss, startKeyServer, testKeyPair, type KeyServer } from '../../support/oss-signer';

const fixture = JSON.parse(readFileSync(new URL('../../conformance/callbacks/oss-callback-signed.json', import.meta.url), 'utf8')) as {
  publicKeyUrl: string;
  vectors: { path: string; query: string; body: string; bodyType: string; authorization: string }[];
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const pair = testKeyPair(512);
const KEY_NAMES = Array.from({ length: 12 }, (_v, i) => `k${i}.pem`);

let server: KeyServer;
before(async () => {
  server = await startKeyServer({
    ...Object.fromEntries(KEY_NAMES.map((name) => [`/keys/${name}`, pair.publicPem])),
    '/keys/broken.pem': (_req, res) => res.writeHead(500).end(),
  });
});
after(() => server.close());

const prefix = () => `${server.prefix}keys/`;

async function rejectsWith(promise: Promise<unknown>, reason: VerificationReason | PublicKeyReason) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CallbackVerificationError || error instanceof PublicKeyError, `unexpected ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

/** A callback signed with our key pair, naming `keyUrl` as its key. */
function signedWith(keyUrl: string) {
  const body = 'bucket=b&object=o';
  return { path: '/cb', headers: signAsOss(pair.privateKey, keyUrl, { path: '/cb', body }), body };
}

describe('key URLs: one canonical spelling', () => {
  test('isCanonicalKeyUrl accepts exactly what the URL parser writes back, with a plain path', () => {
    for (const url of ['https://gosspublic.alicdn.com/callback_pub_key_v1.pem', 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem', 'http://127.0.0.1:9000/__emulator/callback_pub_key_v1.pem', 'https://h.example/a/b-c_d~e.pem']) {
      assert.equal(isCanonicalKeyUrl(url), true, url);
    }
    for (const url of [
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem?',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem#',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem?x=1',
      'https://gosspublic.alicdn.com/x/../callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/./callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/x/%2e%2e/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/%63allback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/callback_pub_key_v1%2Epem',
      'https://GOSSPUBLIC.alicdn.com/callback_pub_key_v1.pem',
      'HTTPS://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com:443/callback_pub_key_v1.pem',
      'http://gosspublic.alicdn.com:80/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com//callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com\\callback_pub_key_v1.pem',
      'https://user@gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem/',
      'https://gosspublic.alicdn.com',
      'http://0x7f.0.0.1:9000/k.pem',
      'ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'not a url',
    ]) {
      assert.equal(isCanonicalKeyUrl(url), false, url);
    }
    assert.equal(isCanonicalKeyUrl('http://127.0.0.1:9000/__emulator/', true), true);
    assert.equal(isCanonicalKeyUrl('http://127.0.0.1:9000/__emulator', true), false);
  });

  test('non-canonical spellings of an allowed key URL are refused and never fetched; the canonical one verifies', async () => {
    const cache = new PublicKeyCache();
    const canonical = `${prefix()}k0.pem`;
    const origin = server.prefix.slice(0, -1);
    const hits = server.hits();
    for (const url of [
      `${canonical}?`,
      `${canonical}#`,
      `${canonical}?v=2`,
      `${prefix()}x/../k0.pem`,
      `${prefix()}./k0.pem`,
      `${prefix()}%6B0.pem`,
      `${prefix()}k0%2Epem`,
      `${prefix()}k0.pe%6D`,
      `${origin}/KEYS/../keys/k0.pem`,
      `${prefix()}/k0.pem`,
      `${origin.replace('http:', 'HTTP:')}/keys/k0.pem`,
    ]) {
      await rejectsWith(verifyOssCallback(signedWith(url), { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] }), 'pub_key_url_not_allowed');
    }
    assert.equal(server.hits(), hits, 'no spelling was fetched');
    assert.equal(cache.fetches, 0);
    await verifyOssCallback(signedWith(canonical), { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
    assert.equal(cache.fetches, 1);
  });

  test('OSS key URL spellings (upper-case host, default port, dot segments, percent-encoding) are refused, not normalised to the pinned key', async () => {
    const v = fixture.vectors[0]!;
    const cache = new PublicKeyCache();
    for (const url of [
      'https://GOSSPUBLIC.ALICDN.COM/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com:443/callback_pub_key_v1.pem',
      'http://gosspublic.alicdn.com:80/callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/x/../callback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/%63allback_pub_key_v1.pem',
      'https://gosspublic.alicdn.com/callback_pub_key_v1.pem?',
    ]) {
      const headers = { Authorization: v.authorization, 'x-oss-pub-key-url': b64(url), 'Content-Type': v.bodyType };
      await rejectsWith(verifyOssCallback({ path: v.path, query: v.query, headers, body: v.body }, { keyCache: cache }), 'pub_key_url_not_allowed');
    }
    assert.equal(cache.fetches, 0);
  });

  test('assertKeyUrlAllowed: canonical and under a prefix, checked on the one string', () => {
    assert.doesNotThrow(() => assertKeyUrlAllowed('https://gosspublic.alicdn.com/callback_pub_key_v1.pem', ['https://gosspublic.alicdn.com/']));
    for (const url of ['https://gosspublic.alicdn.com.evil.com/k.pem', 'https://evil.com/gosspublic.alicdn.com/k.pem', 'http://gosspublic.alicdn.com/k.pem']) {
      assert.throws(() => assertKeyUrlAllowed(url, ['https://gosspublic.alicdn.com/']), (e: unknown) => e instanceof PublicKeyError && e.reason === 'pub_key_url_not_allowed');
    }
  });

  test('allowed prefixes must be canonical too, and the error names the entry, never its text', () => {
    assert.deepEqual(parsePrefixes([' http://127.0.0.1:9000/__emulator/ ']), ['http://127.0.0.1:9000/__emulator/']);
    for (const bad of ['HTTP://h.example/', 'https://h.example:443/', 'https://h.example/a/../b/', 'https://h.example/%61/', 'https://u:p@h.example/', 'https://h.example', 'https://h.example/?/']) {
      assert.throws(
        () => allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: `https://ok.example/,${bad}` }),
        (e: unknown) => e instanceof Error && /CALLBACK_PUBKEY_URL_PREFIXES: entry #2/.test(e.message) && !e.message.includes(bad),
        bad,
      );
    }
  });
});

describe('PublicKeyCache: bounded, expiring, remembering failures, limited', () => {
  test('at most maxKeys keys are kept, the least recently used dropped first', async () => {
    const cache = new PublicKeyCache({ maxKeys: 3, fetchesPerMinute: 100 });
    const url = (i: number) => `${prefix()}k${i}.pem`;
    for (const i of [0, 1, 2]) await cache.get(url(i));
    assert.ok(cache.peek(url(0)), 'k0 is now the most recently used');
    await cache.get(url(3)); // drops k1, the least recently used
    assert.deepEqual(cache.sizes(), { keys: 3, failures: 0, inflight: 0 });
    assert.equal(cache.peek(url(1)), undefined);
    for (const i of [0, 2, 3]) assert.ok(cache.peek(url(i)), `k${i} is kept`);
    assert.equal(cache.fetches, 4);
  });

  test('expired keys are dropped when another key is added, and fetched again when asked for', async () => {
    let now = 1_000_000;
    const cache = new PublicKeyCache({ ttlMs: 1000, fetchesPerMinute: 100, now: () => now });
    await cache.get(`${prefix()}k0.pem`);
    await cache.get(`${prefix()}k1.pem`);
    now += 1001;
    await cache.get(`${prefix()}k2.pem`);
    assert.equal(cache.sizes().keys, 1, 'the two expired keys are gone');
    await cache.get(`${prefix()}k0.pem`);
    assert.equal(cache.fetches, 4);
  });

  test('one fetch however many requests wait for a key (single flight)', async () => {
    const cache = new PublicKeyCache({ fetchesPerMinute: 1 });
    const hits = server.hits();
    await Promise.all(Array.from({ length: 50 }, () => cache.get(`${prefix()}k5.pem`)));
    assert.equal(cache.fetches, 1);
    assert.equal(server.hits() - hits, 1);
  });

  test('a failed fetch is remembered for failureTtlMs, and the remembered failures are bounded', async () => {
    let now = 5_000_000;
    const cache = new PublicKeyCache({ failureTtlMs: 30_000, maxFailures: 2, fetchesPerMinute: 100, now: () => now });
    const broken = `${prefix()}broken.pem`;
    await rejectsWith(cache.get(broken), 'pub_key_fetch_failed');
    await rejectsWith(cache.get(broken), 'pub_key_fetch_failed');
    assert.equal(cache.fetches, 1);
    now += 30_001;
    await rejectsWith(cache.get(broken), 'pub_key_fetch_failed');
    assert.equal(cache.fetches, 2);
    for (const missing of ['m1.pem', 'm2.pem', 'm3.pem']) await rejectsWith(cache.get(`${prefix()}${missing}`), 'pub_key_fetch_failed');
    assert.equal(cache.sizes().failures, 2);
  });

  test('at most fetchesPerMinute fetches in any minute, for all URLs together; the rest are refused, not queued', async () => {
    let now = 9_000_000;
    const cache = new PublicKeyCache({ fetchesPerMinute: 3, now: () => now });
    const results = await Promise.allSettled(KEY_NAMES.map((name) => cache.get(`${prefix()}${name}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      assert.ok((r as PromiseRejectedResult).reason instanceof PublicKeyError);
      assert.equal(((r as PromiseRejectedResult).reason as PublicKeyError).reason, 'pub_key_fetch_limited');
    }
    assert.equal(cache.fetches, 3);
    now += 59_999;
    await rejectsWith(cache.get(`${prefix()}k11.pem`), 'pub_key_fetch_limited');
    now += 1;
    await cache.get(`${prefix()}k11.pem`);
    assert.equal(cache.fetches, 4);
  });

  test("OSS's pinned key needs no fetch, also while the fetch limit is used up", async () => {
    const cache = new PublicKeyCache({ fetchesPerMinute: 1 });
    await cache.get(`${prefix()}k0.pem`);
    await rejectsWith(cache.get(`${prefix()}k1.pem`), 'pub_key_fetch_limited');
    for (const v of fixture.vectors) {
      for (const url of [fixture.publicKeyUrl, fixture.publicKeyUrl.replace('https:', 'http:')]) {
        const headers = { Authorization: v.authorization, 'x-oss-pub-key-url': b64(url), 'Content-Type': v.bodyType };
        await verifyOssCallback({ path: v.path, query: v.query, headers, body: v.body }, { keyCache: cache });
      }
    }
    assert.equal(cache.fetches, 1);
  });

  test('a flood of forged callbacks with fresh key URLs: a handful of fetches, bounded cache, real callbacks still verified', async () => {
    const cache = new PublicKeyCache({ fetchTimeoutMs: 500 });
    const hits = server.hits();
    const reasons = new Map<string, number>();
    const FLOOD = 2000;
    for (let batch = 0; batch < FLOOD; batch += 200) {
      await Promise.all(
        Array.from({ length: 200 }, async (_v, i) => {
          try {
            await verifyOssCallback(signedWith(`${prefix()}fresh-${batch + i}.pem`), { keyCache: cache, allowedKeyUrlPrefixes: [server.prefix] });
            reasons.set('accepted', (reasons.get('accepted') ?? 0) + 1);
          } catch (error) {
            const reason = (error as CallbackVerificationError).reason;
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
        }),
      );
    }
    assert.equal(reasons.get('accepted'), undefined);
    assert.ok(cache.fetches <= 5, `${cache.fetches} fetches`);
    assert.equal(server.hits() - hits, cache.fetches);
    assert.equal((reasons.get('pub_key_fetch_failed') ?? 0) + (reasons.get('pub_key_fetch_limited') ?? 0), FLOOD);
    const sizes = cache.sizes();
    assert.ok(sizes.keys <= 16 && sizes.failures <= 64 && sizes.inflight === 0, JSON.stringify(sizes));
    const v = fixture.vectors[0]!;
    const headers = { Authorization: v.authorization, 'x-oss-pub-key-url': b64(fixture.publicKeyUrl), 'Content-Type': v.bodyType };
    await verifyOssCallback({ path: v.path, query: v.query, headers, body: v.body }, { keyCache: cache });
  });
});
