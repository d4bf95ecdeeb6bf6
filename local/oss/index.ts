/**
 * A local OSS emulator with upload callbacks, faithful enough that the real ali-oss
 * client cannot tell it from OSS for what this project does (issue 3, DESIGN.md §5).
 *
 * @example
 * const oss = await startOssEmulator();               // memory storage, free port
 * const client = new OSS({ endpoint: oss.url, bucket: 'demo', accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret });
 * await client.put('a.txt', Buffer.from('hi'));
 * await oss.close();
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { FaultInjector } from '../faults';
import { fileBlobStore, memoryBlobStore } from './blobs';
import { DEFAULT_CALLBACK_TIMEOUT_MS } from './callback';
import { checkCorsRules, type CorsRule } from './cors';
import { PUBLIC_KEY_PATH } from './control';
import { CONTROL_PREFIX } from './routing';
import { createOssServer } from './server';
import { OssState } from './state';
import { listen } from '../serve';

export { DEFAULT_CALLBACK_TIMEOUT_MS } from './callback';
export type { CorsRule } from './cors';

/** Default access key id the emulator accepts (documented in README). */
export const DEFAULT_ACCESS_KEY_ID = 'LTAI-local-oss-emulator';
/** Default access key secret the emulator accepts (documented in README). */
export const DEFAULT_ACCESS_KEY_SECRET = 'local-oss-emulator-secret';
/** The account id the emulator answers as (Owner ID in listings, x-oss-requester in callbacks). */
export const EMULATOR_OWNER_ID = '1000000000000000';

export interface OssEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Store objects under this directory; omitted = in memory. */
  dataDir?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** How long a callback server gets to answer; OSS's fixed value (5000) by default. */
  callbackTimeoutMs?: number;
  /** Region of the buckets, for V4 PostObject signatures: `cn-hangzhou` or `oss-cn-hangzhou` (default cn-hangzhou). */
  region?: string;
  /** Bucket CORS rules applied to every bucket (default none: cross-origin requests get no CORS headers). */
  corsRules?: CorsRule[];
}

export interface OssEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where the callback public key (PEM) is served; sent, Base64, in x-oss-pub-key-url. */
  publicKeyUrl: string;
  /** The prefix a callback verifier must allow, with a trailing slash. */
  publicKeyUrlPrefix: string;
  /** Fault injection; operation names are OSS API names (PutObject, UploadPart, …). */
  faults: FaultInjector;
  /**
   * Requests received per OSS operation name since the start or the last reset, e.g.
   * `{ PutObject: 1, HeadObject: 2 }` (faulted and refused requests included; control
   * requests under /__emulator/ not). Tests use it to count uploads.
   */
  requestCounts(): Record<string, number>;
  /** Sets every count back to zero. */
  resetRequestCounts(): void;
  close(): Promise<void>;
}

/** Starts an emulator and resolves once it listens. */
export async function startOssEmulator(options: OssEmulatorOptions = {}): Promise<OssEmulator> {
  const host = options.host ?? '127.0.0.1';
  const accessKeyId = options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID;
  const accessKeySecret = options.accessKeySecret ?? DEFAULT_ACCESS_KEY_SECRET;
  const blobs = options.dataDir ? await fileBlobStore(join(options.dataDir, 'blobs')) : memoryBlobStore();
  const state = new OssState(blobs, options.dataDir ? join(options.dataDir, 'meta') : undefined);
  await state.load();

  // A fresh key per emulator: it plays OSS, whose private key nobody else has.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const faults = new FaultInjector();
  const requestCounts = new Map<string, number>();
  const signer = { privateKey, publicKeyUrl: '', requesterId: EMULATOR_OWNER_ID, timeoutMs: options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS };
  const region = (options.region ?? 'cn-hangzhou').replace(/^oss-/, '');
  const cors = checkCorsRules(options.corsRules ?? []);
  const server = createOssServer({ ctx: { state, signer, ownerId: EMULATOR_OWNER_ID }, credentials: { accessKeyId, accessKeySecret }, faults, publicKeyPem, requestCounts, cors, region });

  const port = await listen(server, options.port ?? 0, host);
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${publicHost}:${port}`;
  const publicKeyUrlPrefix = `${url}${CONTROL_PREFIX}`;
  signer.publicKeyUrl = `${publicKeyUrlPrefix}${PUBLIC_KEY_PATH}`;

  return {
    url,
    accessKeyId,
    accessKeySecret,
    publicKeyUrl: signer.publicKeyUrl,
    publicKeyUrlPrefix,
    faults,
    requestCounts: () => Object.fromEntries(requestCounts),
    resetRequestCounts: () => requestCounts.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
