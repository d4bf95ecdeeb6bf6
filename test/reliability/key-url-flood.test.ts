/**
 * The key-URL flood. A public key must be fetched before a signature can be checked,
 * and the key URL comes from the request, so unauthenticated requests choose what the
 * callback fetches. Before issue 12, 4,000 such requests caused 4,000 fetches and about
 * 34 MB of heap. Here thousands of forged callbacks, each naming a fresh key URL under an
 * allowed prefix, are sent:
 *
 * - over HTTP to the callback bundle on the FC host (one instance, so its fetch budget is
 *   the whole story), counting the requests that reach the key server and reading the
 *   instance's resident memory from /proc; a real upload through the OSS emulator before
 *   and after the flood must still be recorded;
 * - in-process to verifyOssCallback, measuring the heap after garbage collection.
 *
 * Expected: at most CALLBACK_PUBKEY_FETCHES_PER_MINUTE (default 5) fetches per started
 * minute, every forged request refused with pub_key_fetch_failed or
 * pub_key_fetch_limited, memory flat. No timing is asserted; the figures are printed.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import vm from 'node:vm';
import v8 from 'node:v8';
import { PublicKeyCache, DEFAULT_KEY_FETCHES_PER_MINUTE } from '../../lib/callback/public-key';
import { verifyOssCallback, type CallbackVerificationError } from '../../lib/callback/verify';
import { callbackHeadersFor } from '../../lib/uploader/callback-params';
import { signAsOss, testKeyPair } from '../support/oss-signer';
import { closeAgent, formBody, instancePids, rssBytes, sendRaw, signedCallback, startReliabilityStack, tally, uploadValues, type ReliabilityStack } from './harness';

const FLOOD_HTTP = 4000;
const WARM_UP_HTTP = 2000;
const FLOOD_IN_PROCESS = 20_000;
const CONCURRENCY = 64;
const MiB = 1024 * 1024;

const signer = testKeyPair(1024);
let rs: ReliabilityStack;
let keyServer: http.Server;
let keyPrefix: string;
let keyHits = 0;

/** Budget for a run that lasted `ms`: the limit for every minute it started. */
function fetchBudget(ms: number): number {
  return DEFAULT_KEY_FETCHES_PER_MINUTE * (1 + Math.floor(ms / 60_000));
}

async function uploadAndCheck(jobId: string): Promise<void> {
  const key = `flood/${jobId}.txt`;
  const headers = callbackHeadersFor({ jobId, bucket: rs.stack.bucket, key, vars: {}, callbackUrl: rs.stack.callbackUrl, tokenSecrets: [rs.stack.tokenSecret] });
  const put = await rs.stack.ossClient.put(key, Buffer.from(jobId), { headers: { ...headers } });
  assert.equal(put.res.status, 200, `${jobId}: the real callback was not accepted`);
  assert.equal((await rs.stack.store.getRecord(jobId))?.status, 'uploaded');
}

before(async () => {
  // Every key URL under the prefix is "allowed" and answers 404, as gosspublic.alicdn.com
  // would for a made-up file name.
  keyServer = http.createServer((_req, res) => {
    keyHits += 1;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  keyPrefix = `http://127.0.0.1:${(keyServer.address() as import('node:net').AddressInfo).port}/keys/`;
  rs = await startReliabilityStack({ trigger: false, instances: 1, extraKeyUrlPrefixes: [keyPrefix] });
});

after(async () => {
  await rs?.close();
  await new Promise<void>((resolve) => {
    keyServer.closeAllConnections();
    keyServer.close(() => resolve());
  });
  closeAgent();
});

describe('key-URL flood', () => {
  test(`${FLOOD_HTTP} forged callbacks with fresh key URLs to the callback bundle: a handful of fetches, flat memory, real callbacks still recorded`, async () => {
    await uploadAndCheck('flood-before');
    const [pid] = instancePids('callback');
    assert.ok(pid !== undefined, 'the callback instance runs');
    const base = new URL(rs.stack.callbackUrl).origin;
    const reasons: string[] = [];
    let serial = 0;
    const flood = async (count: number): Promise<void> => {
      for (let sent = 0; sent < count; sent += CONCURRENCY) {
        await Promise.all(
          Array.from({ length: Math.min(CONCURRENCY, count - sent) }, async () => {
            const n = serial++;
            const jobId = `flood-${n}`;
            const body = formBody(uploadValues({ bucket: rs.stack.bucket, object: `flood/${jobId}.txt`, jobId, token: 'v2.x.y' }));
            const res = await sendRaw(base, signedCallback(signer.privateKey, `${keyPrefix}fresh-${n}.pem`, { body, bucket: rs.stack.bucket }));
            reasons.push((JSON.parse(res.body.toString('utf8')) as { error?: string }).error ?? `status ${res.status}`);
          }),
        );
      }
    };
    const hitsBefore = keyHits;
    const started = Date.now();
    // V8 grows an instance's heap lazily under a high allocation rate and gives pages back
    // late (see load.test.ts), so the memory baseline is taken after a warm-up flood.
    await flood(WARM_UP_HTTP);
    const rssBefore = rssBytes(pid);
    await flood(FLOOD_HTTP);
    const rssAfter = rssBytes(pid);
    const elapsed = Date.now() - started;
    const fetches = keyHits - hitsBefore;
    await uploadAndCheck('flood-after');
    const byReason = tally(reasons, (r) => r);
    console.log(
      `key-URL flood over HTTP: ${WARM_UP_HTTP} + ${FLOOD_HTTP} forged callbacks in ${(elapsed / 1000).toFixed(1)} s, ${fetches} key fetches, ` +
        `callback instance RSS ${(rssBefore / MiB).toFixed(1)} -> ${(rssAfter / MiB).toFixed(1)} MiB over the last ${FLOOD_HTTP}, answers ${JSON.stringify(byReason)}`,
    );
    assert.equal((byReason.pub_key_fetch_failed ?? 0) + (byReason.pub_key_fetch_limited ?? 0), WARM_UP_HTTP + FLOOD_HTTP, JSON.stringify(byReason));
    assert.ok(fetches >= 1 && fetches <= fetchBudget(elapsed), `${fetches} fetches in ${elapsed} ms`);
    assert.deepEqual(instancePids('callback'), [pid], 'one instance served the whole flood');
    assert.ok(rssAfter - rssBefore < 30 * MiB, `the instance grew by ${((rssAfter - rssBefore) / MiB).toFixed(1)} MiB`);
  });

  test(`${FLOOD_IN_PROCESS} forged verifications in-process: a handful of fetches, bounded cache, flat heap`, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const cache = new PublicKeyCache();
    const body = 'bucket=b&object=o';
    const hitsBefore = keyHits;
    // Warm up the code paths, then measure from a collected heap.
    await verifyOssCallback({ path: '/cb', headers: signAsOss(signer.privateKey, `${keyPrefix}warm.pem`, { path: '/cb', body }), body }, { keyCache: cache, allowedKeyUrlPrefixes: [keyPrefix] }).catch(() => undefined);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const reasons: string[] = [];
    let heapPeak = heapBefore;
    for (let sent = 0; sent < FLOOD_IN_PROCESS; sent += 500) {
      await Promise.all(
        Array.from({ length: 500 }, async (_v, i) => {
          const headers = signAsOss(signer.privateKey, `${keyPrefix}in-process-${sent + i}.pem`, { path: '/cb', body });
          try {
            await verifyOssCallback({ path: '/cb', headers, body }, { keyCache: cache, allowedKeyUrlPrefixes: [keyPrefix] });
            reasons.push('accepted');
          } catch (error) {
            reasons.push((error as CallbackVerificationError).reason);
          }
        }),
      );
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    const elapsed = Date.now() - started;
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const fetches = keyHits - hitsBefore;
    const byReason = tally(reasons, (r) => r);
    console.log(
      `key-URL flood in-process: ${FLOOD_IN_PROCESS} forged verifications in ${(elapsed / 1000).toFixed(1)} s, ${fetches} key fetches (cache counted ${cache.fetches}), ` +
        `heap after GC ${(heapBefore / MiB).toFixed(1)} -> ${(heapAfter / MiB).toFixed(1)} MiB (largest between batches ${(heapPeak / MiB).toFixed(1)}), cache ${JSON.stringify(cache.sizes())}, answers ${JSON.stringify(byReason)}`,
    );
    assert.equal(byReason.accepted, undefined);
    assert.ok(fetches <= fetchBudget(elapsed), `${fetches} fetches`);
    const sizes = cache.sizes();
    assert.ok(sizes.keys === 0 && sizes.failures <= 64 && sizes.inflight === 0, JSON.stringify(sizes));
    assert.ok(heapAfter - heapBefore < 4 * MiB, `the heap grew by ${((heapAfter - heapBefore) / MiB).toFixed(1)} MiB`);
  });
});
