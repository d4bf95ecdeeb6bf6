/**
 * The callback on FC's two runtimes under concurrency, side by side in one run: the
 * built-in nodejs20 runtime (one callback per instance: FC starts an instance for every
 * callback in flight) against the custom runtime (the same handler behind node:http, up to
 * `instanceConcurrency` callbacks per instance), both through the same local FC host, the
 * same Tablestore emulator and the same signed requests, at 64 and 500 callbacks at once.
 *
 * Per concurrency: throughput and p99 latency (median of alternating rounds), the
 * instances each runtime used, and the instance time FC would bill per 1,000 callbacks
 * (the active time of each instance, overlapping callbacks counted once). The built-in
 * runtime would get up to one instance per callback in flight; this machine caps both at
 * MAX_INSTANCES (at 500 the built-in runtime's callbacks queue for an instance here, as
 * they would in FC behind a function's instance limit).
 */
import { randomBytes } from 'node:crypto';
import { startFcHost, type FcFunctionSpec, type FcHost } from '../local/fc-host/index';
import { FC_NODE20 } from '../local/fc-host/custom-instances';
import { CALLBACK_INSTANCE_CONCURRENCY } from '../local/stack';
import { startTablestoreEmulator } from '../local/tablestore/index';
import { RecordStore } from '../lib/store/store';
import { storeConfigFromEnv } from '../lib/store/config';
import { startKeyServer, testKeyPair } from '../test/support/oss-signer';
import { buildBenchBundles } from './bundles';
import { signedCallbackRequest, type CallbackSigner } from './callback-requests';
import { percentile, runHttpLoad, type LoadResult } from './http-load';
import { pairedRow, type BenchRow } from './measure';

/** Most instances of either runtime on this machine (each built-in instance is a Node process of ~60 MB). */
const MAX_INSTANCES = 32;
const CONCURRENCIES = [64, 500] as const;
const REQUESTS: Record<number, number> = { 64: 640, 500: 1500 };
const ROUNDS = 3;
const PATH = '/oss/callback';

type Runtime = 'builtin' | 'custom';

/** Runs the benchmark and returns its rows. */
export async function benchCallbackRuntime(): Promise<BenchRow[]> {
  const stoppers: (() => Promise<unknown>)[] = [];
  try {
    const bundles = await buildBenchBundles();
    stoppers.push(() => bundles.remove());
    const credentials = { accessKeyId: 'LTAI5tBenchRuntime', accessKeySecret: randomBytes(18).toString('base64url') };
    const tablestore = await startTablestoreEmulator({ ...credentials, instance: 'bench' });
    stoppers.push(() => tablestore.close());
    const pair = testKeyPair(512);
    const keys = await startKeyServer({ '/callback_pub_key.pem': pair.publicPem });
    stoppers.push(() => keys.close());
    const signer: CallbackSigner = { privateKey: pair.privateKey, keyUrl: `${keys.prefix}callback_pub_key.pem`, tokenSecret: randomBytes(24).toString('base64url'), bucket: 'bench-bucket' };
    const env = {
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: tablestore.instance,
      TABLESTORE_TABLE: 'upload_results',
      CALLBACK_TOKEN_SECRET: signer.tokenSecret,
      CALLBACK_ALLOWED_BUCKETS: signer.bucket,
      CALLBACK_PUBKEY_URL_PREFIXES: keys.prefix,
      CALLBACK_LISTEN_HOST: '127.0.0.1',
    };
    const store = new RecordStore(storeConfigFromEnv({ ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret }));
    await store.ensureTable();
    stoppers.push(async () => store.close());

    const specs: Record<Runtime, FcFunctionSpec> = {
      builtin: { name: 'builtin', bundle: bundles.files.callback, handler: 'index.handler', concurrency: MAX_INSTANCES, timeoutMs: 30_000, memoryMb: 512, env },
      custom: {
        name: 'custom',
        bundle: bundles.files['callback-server'],
        runtime: 'custom.debian10',
        customRuntimeConfig: { command: [FC_NODE20], args: ['/code/server.js'], port: 9000 },
        instanceConcurrency: CALLBACK_INSTANCE_CONCURRENCY,
        concurrency: MAX_INSTANCES,
        timeoutMs: 30_000,
        memoryMb: 512,
        env,
      },
    };
    const fc: FcHost = await startFcHost({ credentials, functions: [specs.builtin, specs.custom] });
    stoppers.push(() => fc.close());

    let seq = 0;
    // 503 is the callback's answer when its store call passes its 3 s deadline
    // (store_unavailable): under this machine's load, with every emulator on 2 cores, that
    // happens at 500 at once; it is counted and reported. Any other status is a fault.
    const unrecorded: Record<Runtime, Record<number, number>> = { builtin: {}, custom: {} };
    const load = async (fn: Runtime, count: number, concurrency: number): Promise<LoadResult> => {
      const requests = Array.from({ length: count }, () => {
        const id = `bench-rt-${++seq}`;
        return signedCallbackRequest(signer, id, `bench/${id}.bin`, PATH);
      });
      const result = await runHttpLoad(fc.httpTriggerUrl(fn), requests, concurrency);
      const wrong = Object.entries(result.statuses).filter(([status]) => status !== '200' && status !== '503');
      if (wrong.length > 0) throw new Error(`${fn} runtime answered ${wrong.map(([s, n]) => `${n} × ${s}`).join(', ')}; every callback should be recorded`);
      unrecorded[fn][concurrency] = (unrecorded[fn][concurrency] ?? 0) + (result.statuses[503] ?? 0);
      return result;
    };

    const rows: BenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      // Warm-up at this concurrency: each runtime starts the instances it needs (cold starts untimed).
      for (const fn of ['builtin', 'custom'] as const) await load(fn, concurrency * 2, concurrency);
      const results: Record<Runtime, LoadResult[]> = { builtin: [], custom: [] };
      const billed: Record<Runtime, number[]> = { builtin: [], custom: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const order: Runtime[] = round % 2 === 0 ? ['custom', 'builtin'] : ['builtin', 'custom'];
        for (const fn of order) {
          const before = fc.stats().functions[fn]!.activeMs;
          results[fn].push(await load(fn, REQUESTS[concurrency]!, concurrency));
          // ms per callback is seconds per 1,000 callbacks.
          billed[fn].push((fc.stats().functions[fn]!.activeMs - before) / REQUESTS[concurrency]!);
        }
      }
      const stats = fc.stats().functions;
      const label = `callback c=${concurrency}: custom runtime (instanceConcurrency ${CALLBACK_INSTANCE_CONCURRENCY}) vs built-in`;
      rows.push({ name: `${label}: callbacks/s`, unit: 'req/s', ...pairedRow({ values: results.custom.map((r) => r.rate), references: results.builtin.map((r) => r.rate) }) });
      rows.push({
        name: `${label}: p99 latency`,
        unit: 'ms',
        ...pairedRow({ values: results.custom.map((r) => percentile(r.latenciesMs, 99)), references: results.builtin.map((r) => percentile(r.latenciesMs, 99)) }),
      });
      rows.push({
        name: `${label}: instances used (built-in here capped at ${MAX_INSTANCES}; FC would start ${concurrency})`,
        unit: 'instances',
        value: stats.custom!.peakInstances,
        reference: stats.builtin!.peakInstances,
        ratio: stats.custom!.peakInstances / stats.builtin!.peakInstances,
      });
      rows.push({ name: `${label}: billed instance-seconds per 1,000 callbacks`, unit: 's', ...pairedRow({ values: billed.custom, references: billed.builtin }) });
      const total = ROUNDS * REQUESTS[concurrency]! + 2 * concurrency;
      const custom503 = unrecorded.custom[concurrency] ?? 0;
      const builtin503 = unrecorded.builtin[concurrency] ?? 0;
      rows.push({
        name: `${label}: callbacks answered 503 (store deadline of 3 s passed; of ${total})`,
        unit: 'callbacks',
        value: custom503,
        reference: builtin503,
        ...(builtin503 > 0 ? { ratio: custom503 / builtin503 } : {}),
      });
    }
    for (const fn of ['builtin', 'custom'] as const) {
      const s = fc.stats().functions[fn]!;
      if (s.failed > 0) throw new Error(`${fn} runtime had ${s.failed} failed invocations`);
    }
    return rows;
  } finally {
    while (stoppers.length > 0) await stoppers.pop()!().catch(() => undefined);
  }
}
