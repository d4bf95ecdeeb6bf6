/**
 * Callback function: requests per second and p50/p99 latency through the FC host's HTTP
 * trigger (HTTP → event → verify → token → Tablestore write → JSON answer), against the
 * same host serving the record-only handler (bench/fixtures/record-only.ts), which writes
 * the same record for the same request without verifying anything. Both functions have
 * the same number of instances, the same store and the same requests (each signed, with
 * a valid token and its own job id), measured in alternating rounds.
 */
import { randomBytes } from 'node:crypto';
import { startFcHost, type FcFunctionSpec, type FcHost } from '../local/fc-host/index';
import { startTablestoreEmulator, type TablestoreEmulator } from '../local/tablestore/index';
import { RecordStore } from '../lib/store/store';
import { storeConfigFromEnv } from '../lib/store/config';
import { startKeyServer, testKeyPair, type KeyServer } from '../test/support/oss-signer';
import { buildBenchBundles, type BenchBundles } from './bundles';
import { signedCallbackRequest, type CallbackSigner } from './callback-requests';
import { percentile, runHttpLoad, type LoadResult, type PreparedRequest } from './http-load';
import { goal, pairedRow, type BenchRow } from './measure';

/** Instances per function: the local stack's default, the same for both functions. */
const INSTANCES = 4;
const CONCURRENCIES = [1, 16, 64] as const;
/** Requests per round at each concurrency; rounds alternate between the two functions. */
const REQUESTS: Record<number, number> = { 1: 150, 16: 350, 64: 350 };
/** Many short rounds, so that a burst of load from another process spoils one round's figure, not the median of the per-round ratios. */
const ROUNDS = 9;
/** Requests per instance before timing: the minified bundles need a few hundred calls before the JIT has compiled their hot paths. */
const WARM_UP_PER_INSTANCE = 100;
const TARGET = 0.9;
const PATH = '/oss/callback';

type Fn = 'callback' | 'record-only';

/** Runs the benchmark and returns its rows. */
export async function benchCallback(): Promise<BenchRow[]> {
  const stoppers: (() => Promise<unknown>)[] = [];
  try {
    const bundles: BenchBundles = await buildBenchBundles();
    stoppers.push(() => bundles.remove());
    const credentials = { accessKeyId: 'LTAI5tBenchCallback', accessKeySecret: randomBytes(18).toString('base64url') };
    const tablestore: TablestoreEmulator = await startTablestoreEmulator({ ...credentials, instance: 'bench' });
    stoppers.push(() => tablestore.close());
    const pair = testKeyPair(512); // OSS's own callback key is 512-bit RSA
    const keys: KeyServer = await startKeyServer({ '/callback_pub_key.pem': pair.publicPem });
    stoppers.push(() => keys.close());

    const signer: CallbackSigner = { privateKey: pair.privateKey, keyUrl: `${keys.prefix}callback_pub_key.pem`, tokenSecret: randomBytes(24).toString('base64url'), bucket: 'bench-bucket' };
    const env = {
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: tablestore.instance,
      TABLESTORE_TABLE: 'upload_results',
      CALLBACK_TOKEN_SECRET: signer.tokenSecret,
      CALLBACK_ALLOWED_BUCKETS: signer.bucket,
      CALLBACK_PUBKEY_URL_PREFIXES: keys.prefix,
    };
    const store = new RecordStore(storeConfigFromEnv({ ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret }));
    await store.ensureTable();
    stoppers.push(async () => store.close());

    const spec = (name: Fn): FcFunctionSpec => ({ name, bundle: bundles.files[name], handler: 'index.handler', concurrency: INSTANCES, timeoutMs: 10_000, env });
    const fc: FcHost = await startFcHost({ credentials, functions: [spec('callback'), spec('record-only')] });
    stoppers.push(() => fc.close());

    let seq = 0;
    const requests = (count: number): PreparedRequest[] =>
      Array.from({ length: count }, () => {
        const id = `bench-cb-${++seq}`;
        return signedCallbackRequest(signer, id, `bench/${id}.bin`, PATH);
      });
    const load = async (fn: Fn, count: number, concurrency: number): Promise<LoadResult> => {
      const result = await runHttpLoad(fc.httpTriggerUrl(fn), requests(count), concurrency);
      const refused = Object.entries(result.statuses).filter(([status]) => status !== '200');
      if (refused.length > 0) throw new Error(`${fn} answered ${refused.map(([s, n]) => `${n} × ${s}`).join(', ')} during the benchmark; every request should be recorded`);
      return result;
    };

    // Every instance started, its key fetched, its store connection open and its code compiled before timing.
    for (const fn of ['callback', 'record-only'] as const) await load(fn, INSTANCES * WARM_UP_PER_INSTANCE, INSTANCES);

    const rows: BenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      const results: Record<Fn, LoadResult[]> = { callback: [], 'record-only': [] };
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so neither always runs on a machine the other just warmed.
        const order: Fn[] = round % 2 === 0 ? ['callback', 'record-only'] : ['record-only', 'callback'];
        for (const fn of order) results[fn].push(await load(fn, REQUESTS[concurrency]!, concurrency));
      }
      const rate = pairedRow({ values: results.callback.map((r) => r.rate), references: results['record-only'].map((r) => r.rate) });
      rows.push({ name: `callback c=${concurrency}: req/s (verify+checks+record) vs record-only`, unit: 'req/s', ...rate, ...goal('target', rate.ratio!, TARGET) });
      for (const p of [50, 99]) {
        const latency = pairedRow({
          values: results.callback.map((r) => percentile(r.latenciesMs, p)),
          references: results['record-only'].map((r) => percentile(r.latenciesMs, p)),
        });
        rows.push({ name: `callback c=${concurrency}: p${p} latency vs record-only`, unit: 'ms', ...latency });
      }
    }
    const stats = fc.stats().functions;
    for (const fn of ['callback', 'record-only'] as const) {
      if (stats[fn]!.failed > 0) throw new Error(`${fn} had ${stats[fn]!.failed} failed invocations`);
    }
    return rows;
  } finally {
    while (stoppers.length > 0) await stoppers.pop()!().catch(() => undefined);
  }
}
