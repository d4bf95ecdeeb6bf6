// Conformance: callbacks that OSS itself signed (oss-callback-signed.json, sources in
// README.md) drive the real verifier and the real callback logic, and pin the string the
// OSS emulator signs to the one OSS signed. Our code agreeing with our emulator proves
// nothing; agreeing with these bytes does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { callbackConfigFromEnv } from '../../../lib/callback/config';
import { OSS_CALLBACK_PUBLIC_KEY_V1_PEM, PublicKeyCache } from '../../../lib/callback/public-key';
import { receiveCallback, type CallbackStore } from '../../../lib/callback/receive';
import { CallbackVerificationError, signedBytes, verifyOssCallback, type VerificationReason } from '../../../lib/callback/verify';
import { callbackStringToSign } from '../../../local/oss/callback';

interface Vector { name: string; origin: string; path: string; query: string; body: string; bodyType: string; authorization: string }
interface SignedFixture { publicKeyUrl: string; publicKeyPem: string; vectors: Vector[] }
interface DocExample { name: string; signature?: string; request: { method: string; target: string; headers: [string, string][]; body: string } }

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as T;
const signed = read<SignedFixture>('./oss-callback-signed.json');
const doc = read<{ examples: DocExample[] }>('./oss-callback-request-doc.json');
const ossKey = createPublicKey(signed.publicKeyPem);
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The request as the callback function sees it, with the header spellings FC delivers. */
function requestOf(v: Vector, keyUrl = signed.publicKeyUrl) {
  return {
    path: v.path,
    query: v.query,
    headers: { Authorization: v.authorization, 'X-Oss-Pub-Key-Url': b64(keyUrl), 'Content-Type': v.bodyType },
    body: v.body,
  };
}

const VERIFICATION_REASONS: readonly VerificationReason[] = [
  'body_too_large', 'authorization_missing', 'authorization_malformed', 'header_duplicated', 'pub_key_url_missing',
  'pub_key_url_malformed', 'pub_key_url_not_allowed', 'pub_key_fetch_failed', 'signature_mismatch',
];

describe('OSS-signed callbacks (test/conformance/callbacks/oss-callback-signed.json)', () => {
  test('the fixture key is the key lib/callback pins, and OSS signs with 512-bit RSA', () => {
    assert.equal(OSS_CALLBACK_PUBLIC_KEY_V1_PEM.trim(), signed.publicKeyPem.trim());
    assert.equal(ossKey.asymmetricKeyDetails?.modulusLength, 512);
    for (const v of signed.vectors) assert.equal(Buffer.from(v.authorization, 'base64').length, 64, v.name);
  });

  for (const v of signed.vectors) {
    test(`${v.name}: lib/callback/verify.ts accepts it with the pinned key, no network`, async () => {
      const cache = new PublicKeyCache();
      const verified = await verifyOssCallback(requestOf(v), { keyCache: cache });
      assert.equal(verified.body.toString('utf8'), v.body);
      assert.equal(cache.fetches, 0);
    });

    test(`${v.name}: one changed byte of the body is refused`, async () => {
      const body = v.body.slice(0, -1) + String.fromCharCode(v.body.charCodeAt(v.body.length - 1) ^ 1);
      await assert.rejects(verifyOssCallback({ ...requestOf(v), body }, { keyCache: new PublicKeyCache() }), (error: unknown) => {
        assert.ok(error instanceof CallbackVerificationError);
        assert.equal(error.reason, 'signature_mismatch');
        return true;
      });
    });

    test(`${v.name}: lib/callback/receive.ts gets past the signature (and stores nothing for a body that is not ours)`, async () => {
      const config = callbackConfigFromEnv({
        CALLBACK_TOKEN_SECRET: 'conformance-secret-0123456789',
        TABLESTORE_ENDPOINT: 'http://127.0.0.1:1',
        TABLESTORE_INSTANCE: 'conformance',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      });
      let writes = 0;
      const store: CallbackStore = {
        record: async () => {
          writes += 1;
          throw new Error('a callback without our job token must not be recorded');
        },
      };
      const answer = await receiveCallback({ method: 'POST', ...requestOf(v) }, config, store);
      assert.ok(!VERIFICATION_REASONS.includes(answer.outcome as VerificationReason), `refused at the signature: ${answer.outcome}`);
      assert.ok(answer.status >= 400 && answer.status < 500, `status ${answer.status}`);
      assert.equal(writes, 0);
    });

    test(`${v.name}: the OSS emulator signs exactly the string OSS signed`, () => {
      const url = new URL(`http://callback.example${v.path}${v.query ? `?${v.query}` : ''}`);
      const emulatorString = callbackStringToSign(url, Buffer.from(v.body, 'utf8'));
      assert.deepEqual(emulatorString, signedBytes(v.path, v.query, v.body));
      assert.ok(verify('md5', emulatorString, ossKey, Buffer.from(v.authorization, 'base64')), "OSS's signature does not cover the emulator's string");
    });
  }

  test("the API reference's signed example is the doc-example-with-query vector", () => {
    const example = doc.examples.find((e) => e.name === 'signed')!;
    const vector = signed.vectors.find((v) => v.name === 'doc-example-with-query')!;
    const [path, query] = example.request.target.split('?');
    assert.equal(path, vector.path);
    assert.equal(query, vector.query);
    assert.equal(example.request.body, vector.body);
    assert.equal(example.signature, vector.authorization);
    const header = (name: string) => example.request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    assert.equal(Buffer.from(header('x-oss-pub-key-url')!, 'base64').toString(), signed.publicKeyUrl.replace('https:', 'http:'));
    assert.equal(header('content-type'), vector.bodyType);
  });
});
