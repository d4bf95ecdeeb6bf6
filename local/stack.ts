/**
 * The whole pipeline on one machine: the OSS, Tablestore and MNS emulators, a source
 * file server, the FC host running both built bundles, and the EventBridge-style MNS
 * trigger feeding the uploader. `npm start`, the end-to-end tests and the benchmarks all
 * stand on this, so they run exactly what deploys: the same bundles, the same SDKs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OSS from 'ali-oss';
import MNSClient from '@alicloud/mns';
import { RecordStore } from '../lib/store/store';
import { storeConfigFromEnv } from '../lib/store/config';
import { startOssEmulator, type OssEmulator } from './oss/index';
import { startTablestoreEmulator, type TablestoreEmulator } from './tablestore/index';
import { startMnsEmulator, type MnsEmulator } from './mns/index';
import { startFcHost, type FcHost, type FunctionLogEntry } from './fc-host/index';
import { startMnsTrigger, type MnsTrigger, type TriggerEvent } from './trigger/index';
import { startSourceServer, type SourceServer } from './source-server';
import { createDevJwtIssuer } from './ticket/dev-auth';
import { startUploadPage, type UploadPage } from './ticket/page-server';

/** What the stack reports through its options' callbacks. */
export type { FunctionLogEntry, TriggerEvent };
import { FC_NODE20 } from './fc-host/custom-instances';
import { freePort } from './serve';

/** The callback's instanceConcurrency in s.yaml (test/deploy/callback-runtime.test.ts keeps them equal). */
export const CALLBACK_INSTANCE_CONCURRENCY = 20;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalStackOptions {
  /** Where the built bundles are (default dist/). */
  bundlesDir?: string;
  /** Build the bundles first (default true). */
  build?: boolean;
  bucket?: string;
  table?: string;
  queue?: string;
  deadLetterQueue?: string;
  /** Extra or overriding environment of each function. */
  uploaderEnv?: Record<string, string>;
  callbackEnv?: Record<string, string>;
  /**
   * Public-key URL prefixes the callback trusts besides the OSS emulator's (which is only
   * known once it runs), e.g. a test's own key server; each ends with '/'.
   */
  extraKeyUrlPrefixes?: string[];
  /** Instances per function (default 4). */
  instances?: number;
  /**
   * How the callback runs: `custom.debian10` (default, as s.yaml deploys it: the HTTP
   * server bundle, up to `instanceConcurrency` callbacks per instance) or `nodejs20` (the
   * built-in runtime, one callback per instance).
   */
  callbackRuntime?: 'nodejs20' | 'custom.debian10';
  /** Callbacks one custom-runtime instance serves at once (default s.yaml's, CALLBACK_INSTANCE_CONCURRENCY). */
  callbackInstanceConcurrency?: number;
  /** The MNS trigger; `false` to start none (tests that invoke directly). */
  trigger?: false | { batchSize?: number; batchWindowMs?: number; visibilityTimeoutSec?: number; maxDeliveries?: number; concurrency?: number };
  onTriggerEvent?: (event: TriggerEvent) => void;
  /** Function log lines (default: discarded). */
  onFunctionLog?: (entry: FunctionLogEntry) => void;
  /** OSS's callback timeout (default 5000 ms, as OSS). */
  callbackTimeoutMs?: number;
  /** The uploader function's timeout (default 600 000 ms, as s.yaml). */
  uploaderTimeoutMs?: number;
  /**
   * The OSS emulator also takes V1 signatures, as a bucket created before 2025-09-01 does
   * (default false: V4 only, like a new bucket).
   */
  ossAllowV1?: boolean;
  /** Directory served as /files/ (default examples/files). */
  filesDir?: string;
  /**
   * Listen on the six ports from this one (OSS, Tablestore, MNS, source server, FC
   * invoke API, callback trigger) instead of free ones; a port in use fails the start
   * with EADDRINUSE. Default: free ports.
   */
  basePort?: number;
  /** Extra or overriding environment of the ticket function. */
  ticketEnv?: Record<string, string>;
}

export interface LocalStack {
  oss: OssEmulator;
  tablestore: TablestoreEmulator;
  mns: MnsEmulator;
  fc: FcHost;
  sources: SourceServer;
  trigger?: MnsTrigger;
  /** The results store, read side, for checking records. */
  store: RecordStore;
  /** A real ali-oss client on the bucket, signing V4. */
  ossClient: OSS;
  /** A real MNS client, for sending jobs. */
  mnsClient: MNSClient;
  bucket: string;
  table: string;
  queue: string;
  deadLetterQueue: string;
  callbackUrl: string;
  /** The job-token secret of this run (random). */
  tokenSecret: string;
  /** The ticket function's endpoint (`POST` a ticket request; `GET …/{jobId}` a record). */
  ticketUrl: string;
  /** A development bearer token for the ticket endpoint (user `dev-user`, 12 h). */
  ticketToken: string;
  /** Mints a token for `sub` with the stack's development key (what an app's sign-in would issue). */
  mintTicketToken(sub: string, options?: { ttlSeconds?: number; claims?: Record<string, unknown> }): string;
  /** The upload page (local/ticket/page), served on its own origin. */
  uploadPage: UploadPage;
  /** Environment a producer or tool needs to reach this stack (`npm run submit`). */
  endpoints: Record<string, string>;
  /** Stops everything, in reverse order; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the stack on free loopback ports and creates the bucket, the table and the
 * queues. Every emulator accepts the same generated key pair, as one STS credential of
 * a function's role reaches every service in the cloud.
 *
 * @example
 * const stack = await startLocalStack();
 * await stack.mnsClient.sendMessage(stack.queue, JSON.stringify(job));
 * await stack.close();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stoppers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    while (stoppers.length > 0) await stoppers.pop()!().catch(() => undefined);
  };
  // Port i of the stack: fixed from basePort, or 0 (a free one).
  const port = (i: number): number => (options.basePort === undefined ? 0 : options.basePort + i);
  try {
    const bundlesDir = path.resolve(ROOT, options.bundlesDir ?? 'dist');
    if (options.build ?? true) {
      const { buildFunctions } = await import('../tools/bundle');
      await buildFunctions({ outdir: bundlesDir });
    }
    const credentials = { accessKeyId: 'LTAI5tLocalStack', accessKeySecret: randomBytes(18).toString('base64url') };
    // In FC a function gets its role's STS credentials, token included (context.credentials).
    // Here the functions get the stack's pair plus a token the OSS emulator checks (it takes
    // the token only with this pair); the Tablestore emulator does not check tokens.
    const functionCredentials = { ...credentials, securityToken: randomBytes(24).toString('base64url') };
    const region = 'cn-hangzhou';
    const tokenSecret = randomBytes(24).toString('base64url');
    const bucket = options.bucket ?? 'local-uploads';
    const table = options.table ?? 'upload_results';
    const queue = options.queue ?? 'upload-jobs';
    const deadLetterQueue = options.deadLetterQueue ?? `${queue}-dlq`;

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'oss-fc-stack-'));
    stoppers.push(() => rm(dataDir, { recursive: true, force: true }));
    // The upload page's origin is fixed first, so the bucket's CORS rule can name it.
    const pagePort = await freePort();
    const pageOrigins = [`http://127.0.0.1:${pagePort}`, `http://localhost:${pagePort}`];
    const oss = await startOssEmulator({
      ...credentials,
      region,
      allowV1: options.ossAllowV1 ?? false,
      stsCredentials: [functionCredentials],
      port: port(0),
      dataDir: path.join(dataDir, 'oss'),
      callbackTimeoutMs: options.callbackTimeoutMs,
      corsRules: [{ allowedOrigins: pageOrigins, allowedMethods: ['POST', 'GET', 'HEAD'], allowedHeaders: ['*'], exposeHeaders: ['ETag', 'x-oss-request-id'], maxAgeSeconds: 600 }],
    });
    stoppers.push(() => oss.close());
    const tablestore = await startTablestoreEmulator({ ...credentials, port: port(1), instance: 'localstack' });
    stoppers.push(() => tablestore.close());
    const mns = await startMnsEmulator({ ...credentials, port: port(2) });
    stoppers.push(() => mns.close());
    const sources = await startSourceServer({ port: port(3), directory: options.filesDir ?? path.join(ROOT, 'examples', 'files') });
    stoppers.push(() => sources.close());

    const storeEnv = {
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_INSTANCE: tablestore.instance,
      TABLESTORE_TABLE: table,
    };
    // The callback's port is only known once the host runs, so it gets a fixed free port first.
    const callbackPort = options.basePort === undefined ? await freePort() : port(5);
    const callbackUrl = `http://127.0.0.1:${callbackPort}/oss/callback`;
    // Plays the application's sign-in service: the ticket trigger trusts its public key.
    const issuer = createDevJwtIssuer();
    const fc = await startFcHost({
      port: port(4),
      credentials: functionCredentials,
      region,
      // The invoke API accepts the same key pair, so `npm run submit -- --via invoke` works.
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      onLog: options.onFunctionLog,
      functions: [
        {
          name: 'callback',
          ...((options.callbackRuntime ?? 'custom.debian10') === 'custom.debian10'
            ? {
                bundle: path.join(bundlesDir, 'callback', 'server.js'),
                runtime: 'custom.debian10' as const,
                // As s.yaml starts it; the host runs FC's Node path as its own Node.
                customRuntimeConfig: { command: [FC_NODE20], args: ['/code/server.js'], port: 9000 },
                instanceConcurrency: options.callbackInstanceConcurrency ?? CALLBACK_INSTANCE_CONCURRENCY,
              }
            : { bundle: path.join(bundlesDir, 'callback', 'index.js') }),
          handler: 'index.handler',
          httpPort: callbackPort,
          timeoutMs: 10_000,
          concurrency: options.instances ?? 4,
          env: {
            // The custom runtime's server listens on loopback only here (FC needs 0.0.0.0).
            CALLBACK_LISTEN_HOST: '127.0.0.1',
            ...storeEnv,
            CALLBACK_TOKEN_SECRET: tokenSecret,
            CALLBACK_ALLOWED_BUCKETS: bucket,
            CALLBACK_PUBKEY_URL_PREFIXES: [oss.publicKeyUrlPrefix, ...(options.extraKeyUrlPrefixes ?? [])].join(','),
            ...options.callbackEnv,
          },
        },
        {
          name: 'ticket',
          bundle: path.join(bundlesDir, 'ticket', 'index.js'),
          handler: 'index.handler',
          timeoutMs: 10_000,
          concurrency: 2,
          // As s.yaml's ticket trigger: the token in `Authorization: Bearer …`, its `sub` as x-user-id.
          httpAuth: {
            authType: 'jwt',
            authConfig: {
              jwks: issuer.jwks,
              tokenLookup: [{ readPosition: 'header', parameterName: 'Authorization', prefix: 'Bearer ' }],
              claimPassBy: [{ claimName: 'sub', mappingParameterName: 'x-user-id', mappingParameterPosition: 'header' }],
            },
          },
          env: {
            ...storeEnv,
            OSS_ENDPOINT: oss.url,
            OSS_BUCKET: bucket,
            CALLBACK_URL: callbackUrl,
            CALLBACK_TOKEN_SECRET: tokenSecret,
            ...options.ticketEnv,
          },
        },
        {
          name: 'uploader',
          bundle: path.join(bundlesDir, 'uploader', 'index.js'),
          handler: 'index.handler',
          httpTrigger: false,
          timeoutMs: options.uploaderTimeoutMs ?? 600_000,
          memoryMb: 1024,
          concurrency: options.instances ?? 4,
          asyncRetries: 2,
          env: {
            ...storeEnv,
            OSS_ENDPOINT: oss.url,
            OSS_BUCKET: bucket,
            CALLBACK_URL: callbackUrl,
            CALLBACK_TOKEN_SECRET: tokenSecret,
            // Local url sources live on 127.0.0.1; link-local and metadata addresses stay refused.
            UPLOAD_ALLOW_PRIVATE_SOURCES: 'true',
            ...options.uploaderEnv,
          },
        },
      ],
    });
    stoppers.push(() => fc.close());

    const ticketUrl = `${fc.httpTriggerUrl('ticket')}/tickets`;
    const ticketToken = issuer.mint('dev-user', { ttlSeconds: 12 * 3600 });
    const uploadPage = await startUploadPage({ ticketTriggerUrl: fc.httpTriggerUrl('ticket'), token: ticketToken, port: pagePort });
    stoppers.push(() => uploadPage.close());


    const ossClient = new OSS({ endpoint: oss.url, region: oss.region, authorizationV4: true, bucket, ...credentials, timeout: 600_000 });
    await ossClient.putBucket(bucket);
    const store = new RecordStore({ ...storeConfigFromEnv({ ...storeEnv, ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret }), timeoutMs: 10_000 });
    await store.ensureTable();
    const mnsClient = new MNSClient(mns.accountId, { endpoint: mns.url, ...credentials });
    await mnsClient.createQueue(queue, { VisibilityTimeout: 30 });
    await mnsClient.createQueue(deadLetterQueue);

    let trigger: MnsTrigger | undefined;
    if (options.trigger !== false) {
      const t = options.trigger ?? {};
      trigger = startMnsTrigger({
        mns: { endpoint: mns.url, accountId: mns.accountId, region: mns.region, ...credentials },
        queue,
        deadLetterQueue,
        // Events carry source MNS-uploader-jobs-queue (the host's function, s.yaml's
        // trigger name), and bodies as sent, as s.yaml's IsBase64Decode: false.
        functionName: 'uploader',
        triggerName: 'jobs-queue',
        base64Decode: false,
        batchSize: t.batchSize ?? 10,
        batchWindowMs: t.batchWindowMs ?? 200,
        visibilityTimeoutSec: t.visibilityTimeoutSec ?? 30,
        maxDeliveries: t.maxDeliveries ?? 5,
        concurrency: t.concurrency ?? options.instances ?? 4,
        onEvent: options.onTriggerEvent,
        invoke: async (events) => {
          const result = await fc.invoke('uploader', Buffer.from(JSON.stringify(events)));
          if (!result.ok) throw new Error(`uploader invocation failed: ${result.error?.errorMessage ?? result.failure ?? 'unknown error'}`);
        },
      });
      // stop() waits for the invocations in flight, which may be long uploads; closing the
      // host at the same time ends them at once (fc.close() is idempotent), so close()
      // never waits on an upload.
      stoppers.push(() => Promise.all([trigger!.stop(), fc.close()]));
    }

    return {
      oss,
      tablestore,
      mns,
      fc,
      sources,
      trigger,
      store,
      ossClient,
      mnsClient,
      bucket,
      table,
      queue,
      deadLetterQueue,
      callbackUrl,
      tokenSecret,
      ticketUrl,
      ticketToken,
      mintTicketToken: (sub, tokenOptions) => issuer.mint(sub, tokenOptions),
      uploadPage,
      endpoints: {
        MNS_ENDPOINT: mns.url,
        MNS_ACCOUNT_ID: mns.accountId,
        MNS_QUEUE: queue,
        FC_ENDPOINT: fc.url,
        FC_ACCOUNT_ID: fc.accountId,
        FC_REGION: fc.region,
        FC_FUNCTION: 'uploader',
        FC_SERVICE: fc.service,
        MNS_REGION: mns.region,
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
        OSS_ENDPOINT: oss.url,
        // The region a V4-signing OSS client scopes its signature to.
        OSS_REGION: oss.region,
        OSS_BUCKET: bucket,
        TABLESTORE_ENDPOINT: tablestore.url,
        TABLESTORE_INSTANCE: tablestore.instance,
        TABLESTORE_TABLE: table,
        SOURCES_URL: sources.url,
        TICKET_URL: ticketUrl,
        TICKET_TOKEN: ticketToken,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

