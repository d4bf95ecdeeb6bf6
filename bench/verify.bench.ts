/**
 * Signature verification: verifyOssCallback on a warm cache, against the limit (one bare
 * `crypto.verify` with a ready KeyObject on the same signed string) and against the
 * public samples' way (a PEM string parsed on every call).
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyOssCallback, signedBytes } from '../lib/callback/verify';
import { PublicKeyCache } from '../lib/callback/public-key';
import { goal, interleavedRates, pairedRow, type BenchRow } from './measure';

const TARGET = 0.75;

/** Runs the benchmark and returns its rows. */
export async function benchVerify(): Promise<BenchRow[]> {
  const fixture = JSON.parse(readFileSync(new URL('../test/conformance/callbacks/oss-callback-signed.json', import.meta.url), 'utf8')) as {
    publicKeyUrl: string;
    publicKeyPem: string;
    vectors: { path: string; query: string; body: string; bodyType: string; authorization: string }[];
  };
  const v = fixture.vectors.find((x) => x.query === '') ?? fixture.vectors[0]!;
  const request = {
    path: v.path,
    query: v.query,
    headers: {
      Authorization: v.authorization,
      'X-Oss-Pub-Key-Url': Buffer.from(fixture.publicKeyUrl).toString('base64'),
      'Content-Type': v.bodyType,
      'X-Oss-Bucket': 'bucket',
      'X-Oss-Request-Id': 'req',
    },
    body: Buffer.from(v.body),
  };
  const cache = new PublicKeyCache();
  await verifyOssCallback(request, { keyCache: cache }); // warm
  const key = createPublicKey(fixture.publicKeyPem);
  const data = signedBytes(v.path, v.query, v.body);
  const signature = Buffer.from(v.authorization, 'base64');
  if (!verify('md5', data, key, signature)) throw new Error('benchmark vector does not verify');

  const rates = await interleavedRates({
    ours: () => verifyOssCallback(request, { keyCache: cache }),
    bare: () => verify('md5', data, key, signature),
    pem: () => verify('md5', data, fixture.publicKeyPem, signature),
  });
  const ours = pairedRow({ values: rates.ours!, references: rates.bare! });
  return [
    { name: 'verify: verifyOssCallback (warm) vs bare crypto.verify', unit: 'verif/s', ...ours, ...goal('target', ours.ratio!, TARGET) },
    { name: 'verify: PEM string per call (public samples) vs bare', unit: 'verif/s', ...pairedRow({ values: rates.pem!, references: rates.bare! }) },
  ];
}
