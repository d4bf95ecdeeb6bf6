// The V4 signing key the OSS emulator checks PostObject forms with
// (local/oss/post-object/v4-signature.ts) reproduces a signature from the OSS Swift SDK's
// own tests: the canonical request and string to sign come from ali-oss, the key and the
// final HMAC from the emulator. A wrong derivation step cannot reproduce it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { v4SigningKey } from '../../../local/oss/post-object/v4-signature';

interface Vector {
  accessKeySecret: string;
  region: string;
  method: string;
  bucket: string;
  key: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  authorization: string;
}

const { vector } = JSON.parse(readFileSync(new URL('./swift-sdk-header-signature.json', import.meta.url), 'utf8')) as { vector: Vector };
// ali-oss's signUtils has no type declarations; only its string-building helpers are used.
const signUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils') as {
  getCanonicalRequest(method: string, request: { headers: Record<string, string>; queries: Record<string, string | null> }, bucket: string, object: string, additionalHeaders?: string[]): string;
  getStringToSign(region: string, date: string, canonicalRequest: string): string;
};

test('the emulator\'s V4 signing key reproduces the OSS Swift SDK\'s header signature vector', () => {
  const date = vector.headers['x-oss-date']!;
  // A parameter without a value is written as its name alone; ali-oss takes that as a null value.
  const queries = Object.fromEntries(Object.entries(vector.query).map(([k, v]) => [k, v === '' ? null : v]));
  const canonical = signUtils.getCanonicalRequest(vector.method, { headers: vector.headers, queries }, vector.bucket, vector.key, []);
  const stringToSign = signUtils.getStringToSign(vector.region, date, canonical);
  const signature = createHmac('sha256', v4SigningKey(vector.accessKeySecret, date.slice(0, 8), vector.region)).update(stringToSign).digest('hex');
  assert.equal(/Signature=([0-9a-f]{64})$/.exec(vector.authorization)?.[1], signature);
  // Any other day or region gives another key.
  assert.notEqual(v4SigningKey(vector.accessKeySecret, '20231217', vector.region).toString('hex'), v4SigningKey(vector.accessKeySecret, date.slice(0, 8), vector.region).toString('hex'));
});
