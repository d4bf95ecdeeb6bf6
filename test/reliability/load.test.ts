/**
 * Load: 500 concurrent, validly signed callbacks with valid job tokens and distinct job
 * ids, through the FC host's HTTP trigger of the callback bundle. All must be answered
 * 200 and recorded, none refused, and the callback instances' memory must come back to
 * its baseline afterwards.
 *
 * Memory is measured where it lives: each callback instance is a child process of this
 * one (local/fc-host/instances.ts), so its resident set is read from /proc/<pid>/status
 * (VmRSS), per instance, as FC meters memory per instance. The baseline is taken after a
 * warm-up as large as the burst, which starts every instance and runs the code hot. V8
 * grows its heap lazily under a high allocation rate and returns pages late, so an
 * instance's RSS drifts up by a few MiB per burst even though nothing is retained (the
 * handler in-process keeps a flat heap after GC over thousands of callbacks); the bound
 * is therefore generous (30 MiB per instance) and checked by polling with a deadline.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createJobToken } from '../../lib/protocol/token';
import { startKeyServer, testKeyPair, type KeyServer } from '../support/oss-signer';
import { closeAgent, formBody, instancePids, rssBytes, sendRaw, signedCallback, startReliabilityStack, tally, uploadValues, waitFor, type RawRequest, type ReliabilityStack } from './harness';

const BURST = 500;
const MiB = 1024 * 1024;
/** How far above its baseline an instance's memory may stay after the burst. */
const MEMORY_SLACK_BYTES = 30 * MiB;

const signer = testKeyPair(1024);
let rs: ReliabilityStack;
let keys: KeyServer;
let base: string;

function callbacksFor(label: string, count: number): { jobIds: string[]; requests: RawRequest[] } {
  const jobIds: string[] = [];
  const requests: RawRequest[] = [];
  for (let i = 0; i < count; i++) {
    const jobId = `load-${label}-${i}`;
    const object = `load/${label}/${i}.txt`;
    const token = createJobToken([rs.stack.tokenSecret], { jobId, bucket: rs.stack.bucket, key: object, vars: {} });
    jobIds.push(jobId);
    requests.push(signedCallback(signer.privateKey, `${keys.prefix}key.pem`, { body: formBody(uploadValues({ bucket: rs.stack.bucket, object, jobId, token, size: 100 + i })), bucket: rs.stack.bucket }));
  }
  return { jobIds, requests };
}

/** Sends every request at once, each on its own connection, and returns the statuses. */
async function burst(requests: RawRequest[]): Promise<{ statuses: number[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const started = performance.now();
  try {
    const answers = await Promise.all(requests.map((r) => sendRaw(base, r, { agent, timeoutMs: 120_000 })));
    return { statuses: answers.map((a) => a.status), seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
  }
}

before(async () => {
  keys = await startKeyServer({ '/key.pem': signer.publicPem });
  rs = await startReliabilityStack({ trigger: false, extraKeyUrlPrefixes: [keys.prefix], instances: 4 });
  base = new URL(rs.stack.callbackUrl).origin;
});

after(async () => {
  await rs?.close();
  await keys?.close();
  closeAgent();
});

describe('load: 500 concurrent callbacks through the FC host', () => {
  test('all answered 200 and recorded, none refused, memory back to its baseline', async () => {
    const { stack } = rs;
    const idle = () => waitFor('the callback instances to go idle', () => {
      const s = stack.fc.stats().functions.callback!;
      return s.busy === 0 && s.waiting === 0 ? true : undefined;
    }, 30_000, 50);

    // Warm-up as large as the burst: every instance started, the code hot, the key cached.
    for (const round of ['warm-a', 'warm-b']) {
      const warm = await burst(callbacksFor(round, BURST / 2).requests);
      assert.deepEqual(tally(warm.statuses, String), { 200: BURST / 2 });
    }
    await idle();
    const pids = instancePids('callback');
    assert.equal(pids.length, 4, `expected 4 callback instances, found ${pids.length}`);
    const baseline = pids.map(rssBytes);
    const hostBaseline = process.memoryUsage().rss;
    const before = { ...stack.fc.stats().functions.callback! };

    const { jobIds, requests } = callbacksFor('burst', BURST);
    const result = await burst(requests);
    await idle();
    const rightAfter = pids.map(rssBytes);

    const statuses = tally(result.statuses, String);
    const records = await Promise.all(jobIds.map((id) => stack.store.getRecord(id)));
    const recorded = records.filter((r, i) => r?.status === 'uploaded' && r.recordedBy === 'callback' && r.size === 100 + i && r.object === `load/burst/${i}.txt`).length;
    const after = stack.fc.stats().functions.callback!;

    let settledAt = rightAfter;
    const settled = await waitFor(
      'every callback instance back within the slack of its baseline',
      () => {
        settledAt = pids.map(rssBytes);
        return settledAt.every((rss, i) => rss <= baseline[i]! + MEMORY_SLACK_BYTES) ? true : undefined;
      },
      15_000,
      250,
    ).catch(() => false);

    const mib = (n: number) => (n / MiB).toFixed(1);
    const list = (xs: number[]) => xs.map(mib).join(' / ');
    console.log(
      `load: ${BURST} concurrent callbacks in ${result.seconds.toFixed(2)} s = ${(BURST / result.seconds).toFixed(0)} callbacks/s through ${pids.length} instances; ` +
        `statuses ${JSON.stringify(statuses)}; recorded ${recorded}; ` +
        `callback instance RSS MiB: baseline ${list(baseline)}, right after ${list(rightAfter)}, settled ${list(settledAt)} (slack ${mib(MEMORY_SLACK_BYTES)} each); ` +
        `peak RSS reported by the host ${mib(after.peakRssBytes)} MiB; this process (FC host + emulators) RSS ${mib(hostBaseline)} → ${mib(process.memoryUsage().rss)} MiB`,
    );

    assert.deepEqual(statuses, { 200: BURST });
    assert.equal(recorded, BURST);
    assert.equal(after.invocations - before.invocations, BURST);
    assert.equal(after.failed, before.failed);
    assert.equal(after.crashes, 0);
    assert.deepEqual(instancePids('callback'), pids, 'the instances were replaced during the burst');
    assert.ok(settled, `callback instances use ${list(settledAt)} MiB, baselines ${list(baseline)} MiB + ${mib(MEMORY_SLACK_BYTES)} MiB`);
  });
});
