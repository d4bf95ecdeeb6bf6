/**
 * Cold start: a fresh `node` process requires a function's code and answers its first
 * request (bench/fixtures/cold-start-runner.mjs times it), for the deployed bundle and
 * for the same code unbundled (every TypeScript file compiled on its own to CommonJS,
 * requiring its dependencies from the project's node_modules). The callback answers a
 * signed callback with a valid token (its store is the Tablestore emulator, its key
 * served locally); the uploader uploads a tiny text job to the OSS emulator, whose
 * callback reaches the warm callback function of the local stack. Also the bundle sizes,
 * and what loading source maps would cost: the same bundles built with maps and run with
 * `node --enable-source-maps` (the bundles ship without maps for that reason).
 */
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startLocalStack, type LocalStack } from '../local/stack';
import { eventHeaders } from '../local/fc-host/http-trigger';
import { startKeyServer, testKeyPair, type KeyServer } from '../test/support/oss-signer';
import { buildFunctions } from '../tools/bundle';
import { buildBenchBundles, type BenchBundles } from './bundles';
import { signedCallbackRequest, type CallbackSigner } from './callback-requests';
import { freePort } from '../local/serve';
import { goal, pairedRow, type BenchRow } from './measure';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER = path.join(ROOT, 'bench', 'fixtures', 'cold-start-runner.mjs');
const SERVER_RUNNER = path.join(ROOT, 'bench', 'fixtures', 'server-cold-start-runner.mjs');
const RUNS = 5;
const READY_TARGET_MS = 100;
/** A cold start that takes longer than this is broken, not slow. */
const RUN_TIMEOUT_MS = 30_000;

type Fn = 'callback' | 'uploader';
/** bundle: as deployed; unbundled: file by file; maps: the bundle with its source maps loaded. */
type Variant = 'bundle' | 'unbundled' | 'maps';
const VARIANTS: readonly Variant[] = ['bundle', 'unbundled', 'maps'];

interface RunTimes {
  readyMs: number;
  firstAnswerMs: number;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/**
 * Compiles lib/ and functions/ file by file (no bundling) to CommonJS in `outdir`, with
 * the build's settings, and links the project's node_modules beside them.
 */
async function compileUnbundled(outdir: string): Promise<Record<Fn, string>> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [...typeScriptFiles('lib'), ...typeScriptFiles('functions')],
    outdir,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
  });
  await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  await symlink(path.join(ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');
  return { callback: path.join(outdir, 'functions', 'callback', 'index.js'), uploader: path.join(outdir, 'functions', 'uploader', 'index.js') };
}

/** One cold start in a fresh process; rejects unless the first answer is a success. */
function coldStart(codeFile: string, eventFile: string, env: Record<string, string>, fn: Fn, nodeFlags: string[] = []): Promise<RunTimes> {
  return new Promise((resolve, reject) => {
    // Only the given flags: the function runs under plain node, without this process's TypeScript loader.
    const child = fork(RUNNER, [codeFile, eventFile], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, execArgv: nodeFlags, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let reply: { ok: boolean; readyMs?: number; firstAnswerMs?: number; answer?: unknown; error?: string } | undefined;
    child.on('message', (message: typeof reply) => (reply = message));
    child.on('exit', () => {
      clearTimeout(timer);
      if (!reply) return reject(new Error(`cold start of ${codeFile} gave no answer: ${stderr.trim().slice(-500)}`));
      if (!reply.ok) return reject(new Error(`cold start of ${codeFile} failed: ${reply.error}`));
      const failure = answerProblem(fn, reply.answer);
      if (failure) return reject(new Error(`cold start of ${codeFile}: ${failure}`));
      resolve({ readyMs: reply.readyMs!, firstAnswerMs: reply.firstAnswerMs! });
    });
  });
}


/**
 * One cold start of the callback's custom-runtime server (dist/callback/server.js) in a
 * fresh process: require → accepting connections, and → the first callback answered over
 * HTTP (bench/fixtures/server-cold-start-runner.mjs).
 */
async function serverColdStart(serverFile: string, requestFile: string, env: Record<string, string>): Promise<RunTimes> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const child = fork(SERVER_RUNNER, [serverFile, requestFile], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, FC_CUSTOM_LISTEN_PORT: String(port), CALLBACK_LISTEN_HOST: '127.0.0.1' },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let reply: { ok: boolean; readyMs?: number; firstAnswerMs?: number; answer?: { statusCode: number; body: string }; error?: string } | undefined;
    child.on('message', (message: typeof reply) => (reply = message));
    child.on('exit', () => {
      clearTimeout(timer);
      if (!reply) return reject(new Error(`cold start of ${serverFile} gave no answer: ${stderr.trim().slice(-500)}`));
      if (!reply.ok) return reject(new Error(`cold start of ${serverFile} failed: ${reply.error}`));
      if (reply.answer?.statusCode !== 200) return reject(new Error(`cold start of ${serverFile}: answered ${reply.answer?.statusCode}: ${reply.answer?.body.slice(0, 300)}`));
      resolve({ readyMs: reply.readyMs!, firstAnswerMs: reply.firstAnswerMs! });
    });
  });
}

/** Why a first answer is not the success it should be, or undefined. */
function answerProblem(fn: Fn, answer: unknown): string | undefined {
  if (fn === 'callback') {
    const status = (answer as { statusCode?: number } | undefined)?.statusCode;
    return status === 200 ? undefined : `answered ${status}: ${JSON.stringify(answer).slice(0, 300)}`;
  }
  const uploaded = (answer as { counts?: { uploaded?: number } } | undefined)?.counts?.uploaded;
  return uploaded === 1 ? undefined : `the job was not uploaded: ${JSON.stringify(answer).slice(0, 300)}`;
}

/** Runs the benchmark and returns its rows. */
export async function benchColdStart(): Promise<BenchRow[]> {
  const stoppers: (() => Promise<unknown>)[] = [];
  try {
    const bundles: BenchBundles = await buildBenchBundles();
    stoppers.push(() => bundles.remove());
    const work = await mkdtemp(path.join(os.tmpdir(), 'oss-fc-cold-'));
    stoppers.push(() => rm(work, { recursive: true, force: true }));
    const unbundled = await compileUnbundled(path.join(work, 'unbundled'));
    const mapsDir = path.join(work, 'maps');
    await buildFunctions({ outdir: mapsDir, sourceMaps: true });
    const maps = { callback: path.join(mapsDir, 'callback', 'index.js'), uploader: path.join(mapsDir, 'uploader', 'index.js') };
    const code: Record<Variant, Record<Fn, string>> = { bundle: { callback: bundles.files.callback, uploader: bundles.files.uploader }, unbundled, maps };
    const flags: Record<Variant, string[]> = { bundle: [], unbundled: [], maps: ['--enable-source-maps'] };

    const stack: LocalStack = await startLocalStack({ bundlesDir: bundles.dir, build: false, trigger: false });
    stoppers.push(() => stack.close());
    const pair = testKeyPair(512);
    const keys: KeyServer = await startKeyServer({ '/callback_pub_key.pem': pair.publicPem });
    stoppers.push(() => keys.close());
    const signer: CallbackSigner = { privateKey: pair.privateKey, keyUrl: `${keys.prefix}callback_pub_key.pem`, tokenSecret: stack.tokenSecret, bucket: stack.bucket };

    const credentials = { ALIBABA_CLOUD_ACCESS_KEY_ID: stack.endpoints.ALIBABA_CLOUD_ACCESS_KEY_ID!, ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.endpoints.ALIBABA_CLOUD_ACCESS_KEY_SECRET! };
    const storeEnv = { TABLESTORE_ENDPOINT: stack.tablestore.url, TABLESTORE_INSTANCE: stack.tablestore.instance, TABLESTORE_TABLE: stack.table };
    const env: Record<Fn, Record<string, string>> = {
      callback: { ...credentials, ...storeEnv, CALLBACK_TOKEN_SECRET: stack.tokenSecret, CALLBACK_ALLOWED_BUCKETS: stack.bucket, CALLBACK_PUBKEY_URL_PREFIXES: keys.prefix },
      uploader: { ...credentials, ...storeEnv, OSS_ENDPOINT: stack.oss.url, OSS_REGION: stack.oss.region, OSS_BUCKET: stack.bucket, CALLBACK_URL: stack.callbackUrl, CALLBACK_TOKEN_SECRET: stack.tokenSecret, UPLOAD_ALLOW_PRIVATE_SOURCES: 'true' },
    };
    // Warm the stack's callback function, which the uploader's first upload calls back.
    const warm = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify({ jobId: 'bench-cold-warm', source: { text: 'warm' }, target: { key: 'bench/cold/warm.txt' } })));
    if (!warm.ok) throw new Error(`cold-start warm-up failed: ${warm.error?.errorMessage ?? warm.failure}`);

    let seq = 0;
    const eventFile = async (fn: Fn): Promise<string> => {
      const jobId = `bench-cold-${fn}-${++seq}`;
      let event: unknown;
      if (fn === 'uploader') {
        event = { jobId, source: { text: `cold start ${seq}\n` }, target: { key: `bench/cold/${jobId}.txt` } };
      } else {
        const req = signedCallbackRequest(signer, jobId, `bench/cold/${jobId}.bin`, '/oss/callback');
        const rawHeaders = Object.entries(req.headers).flat();
        event = {
          version: 'v1',
          rawPath: req.path,
          // Header names as FC delivers them (canonical MIME form), through the FC host's own code.
          headers: eventHeaders(rawHeaders),
          queryParameters: {},
          body: req.body.toString('utf8'),
          isBase64Encoded: false,
          requestContext: { accountId: '1234567890123456', domainName: '127.0.0.1', domainPrefix: '127', requestId: jobId, time: new Date().toISOString(), timeEpoch: String(Date.now()), http: { method: 'POST', path: req.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'aliyun-oss-callback' } },
        };
      }
      const file = path.join(work, 'events', `${jobId}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(event));
      return file;
    };

    /** A signed callback as the HTTP request the custom runtime's server gets. */
    const requestFile = async (): Promise<string> => {
      const jobId = `bench-cold-server-${++seq}`;
      const req = signedCallbackRequest(signer, jobId, `bench/cold/${jobId}.bin`, '/oss/callback');
      const file = path.join(work, 'events', `${jobId}.request.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify({ method: req.method, path: req.path, headers: req.headers, body: req.body.toString('base64') }));
      return file;
    };
    const server: RunTimes[] = [];

    const times: Record<Fn, Record<Variant, RunTimes[]>> = { callback: { bundle: [], unbundled: [], maps: [] }, uploader: { bundle: [], unbundled: [], maps: [] } };
    // One untimed run of each first, so every figure is measured with the files in the page cache.
    for (const fn of ['callback', 'uploader'] as const) for (const variant of VARIANTS) await coldStart(code[variant][fn], await eventFile(fn), env[fn], fn, flags[variant]);
    await serverColdStart(bundles.files['callback-server'], await requestFile(), env.callback);
    for (let round = 0; round < RUNS; round++) {
      for (const fn of ['callback', 'uploader'] as const) {
        // Rotated each round, so no variant always runs first.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const variant of order) times[fn][variant].push(await coldStart(code[variant][fn], await eventFile(fn), env[fn], fn, flags[variant]));
      }
      server.push(await serverColdStart(bundles.files['callback-server'], await requestFile(), env.callback));
    }

    const rows: BenchRow[] = [];
    const pairs = (fn: Fn, variant: Variant, reference: Variant, key: keyof RunTimes) =>
      pairedRow({ values: times[fn][variant].map((t) => t[key]), references: times[fn][reference].map((t) => t[key]) });
    for (const fn of ['callback', 'uploader'] as const) {
      const ready = pairs(fn, 'bundle', 'unbundled', 'readyMs');
      rows.push({
        name: `cold start ${fn}: require → handler ready, bundle vs unbundled`,
        unit: 'ms',
        ...ready,
        ...(fn === 'callback' ? goal('target', ready.value!, READY_TARGET_MS, { atMost: true, unit: 'ms' }) : {}),
      });
      rows.push({ name: `cold start ${fn}: require → first answer, bundle vs unbundled`, unit: 'ms', ...pairs(fn, 'bundle', 'unbundled', 'firstAnswerMs') });
    }
    // The callback as deployed (custom runtime): the same code plus an HTTP server to start.
    const serverReady = pairedRow({ values: server.map((t) => t.readyMs), references: times.callback.bundle.map((t) => t.readyMs) });
    rows.push({
      name: 'cold start callback on the custom runtime: require server.js → accepting, vs built-in bundle → handler ready',
      unit: 'ms',
      ...serverReady,
      ...goal('target', serverReady.value!, READY_TARGET_MS, { atMost: true, unit: 'ms' }),
    });
    rows.push({
      name: 'cold start callback on the custom runtime: require → first callback answered over HTTP, vs built-in bundle',
      unit: 'ms',
      ...pairedRow({ values: server.map((t) => t.firstAnswerMs), references: times.callback.bundle.map((t) => t.firstAnswerMs) }),
    });
    for (const fn of ['callback', 'uploader'] as const) {
      rows.push({ name: `cold start ${fn}: require → handler ready, source maps loaded vs none (shipped)`, unit: 'ms', ...pairs(fn, 'maps', 'bundle', 'readyMs') });
    }
    for (const fn of ['callback', 'uploader'] as const) {
      rows.push({ name: `bundle size ${fn} (minified CJS) vs the sources it is made of`, value: bundles.bytes[fn] / 1024, unit: 'KiB', reference: bundles.inputBytes[fn] / 1024, ratio: bundles.bytes[fn] / bundles.inputBytes[fn] });
    }
    return rows;
  } finally {
    while (stoppers.length > 0) await stoppers.pop()!().catch(() => undefined);
  }
}
