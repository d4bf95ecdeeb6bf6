/**
 * A local OSS emulator with upload callbacks, faithful enough that the real ali-oss
 * client cannot tell it from OSS for what this project does (issue 3).
 *
 * @example
 * const oss = await startOssEmulator();               // memory storage, free port, V4 only
 * const client = new OSS({ endpoint: oss.url, region: oss.region, authorizationV4: true, bucket: 'demo', accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret });
 * await client.put('a.txt', Buffer.from('hi'));
 * await oss.close();
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { FaultInjector } from '../faults';
import { AccessKeys, type StsCredentials } from './access-keys';
import { fileBlobStore, memoryBlobStore } from './blobs';
import { DEFAULT_CALLBACK_TIMEOUT_MS } from './callback';
import { checkCorsRules, type CorsRule } from './cors';
import { PUBLIC_KEY_PATH } from './control';
import { CONTROL_PREFIX } from './routing';
import { createOssServer } from './server';
import { OssState } from './state';
import { closeServer, listen, serverUrl } from '../serve';

export { DEFAULT_CALLBACK_TIMEOUT_MS } from './callback';
export type { StsCredentials } from './access-keys';
export type { CorsRule } from './cors';

/** Default access key id the emulator accepts (documented in README). */
export const DEFAULT_ACCESS_KEY_ID = 'LTAI-local-oss-emulator';
/** Default access key secret the emulator accepts (documented in README). */
export const DEFAULT_ACCESS_KEY_SECRET = 'local-oss-emulator-secret';
/** The region the emulator plays unless told otherwise (FC's and s.yaml's default too). */
export const DEFAULT_REGION = 'cn-hangzhou';
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
  /**
   * The region this endpoint serves, `cn-hangzhou` or `oss-cn-hangzhou` (default
   * cn-hangzhou): V4 signatures must be scoped to it.
   */
  region?: string;
  /** Also take V1 signatures, as a bucket created before 2025-09-01 does (default false: V4 only). */
  allowV1?: boolean;
  /**
   * Temporary credentials accepted with their security token, as STS issues them (e.g.
   * the ones an FC host hands its functions). The long-term pair above is always accepted.
   */
  stsCredentials?: StsCredentials[];
  /** Bucket CORS rules applied to every bucket (default none: cross-origin requests get no CORS headers). */
  corsRules?: CorsRule[];
}

export interface OssEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The standard region id it serves (`cn-hangzhou`); ali-oss takes it as `region`. */
  region: string;
  /** Whether V1 signatures are taken too. */
  allowV1: boolean;
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
  const region = (options.region ?? DEFAULT_REGION).replace(/^oss-/, '');
  const allowV1 = options.allowV1 ?? false;
  const blobs = options.dataDir ? await fileBlobStore(join(options.dataDir, 'blobs')) : memoryBlobStore();
  const state = new OssState(blobs, options.dataDir ? join(options.dataDir, 'meta') : undefined);
  await state.load();

  // A fresh key per emulator: it plays OSS, whose private key nobody else has. 512-bit
  // like OSS's own callback_pub_key_v1.pem, so signatures are as long as OSS's (64 bytes;
  // test/conformance/callbacks/).
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const faults = new FaultInjector();
  const requestCounts = new Map<string, number>();
  const signer = { privateKey, publicKeyUrl: '', requesterId: EMULATOR_OWNER_ID, timeoutMs: options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS };
  const keys = new AccessKeys([{ accessKeyId, accessKeySecret }], options.stsCredentials);
  const cors = checkCorsRules(options.corsRules ?? []);
  const server = createOssServer({
    ctx: { state, signer, ownerId: EMULATOR_OWNER_ID },
    signatures: { keys, region, allowV1 },
    faults,
    publicKeyPem,
    requestCounts,
    cors,
  });

  const port = await listen(server, options.port ?? 0, host);
  const url = serverUrl(host, port);
  const publicKeyUrlPrefix = `${url}${CONTROL_PREFIX}`;
  signer.publicKeyUrl = `${publicKeyUrlPrefix}${PUBLIC_KEY_PATH}`;

  return {
    url,
    region,
    allowV1,
    accessKeyId,
    accessKeySecret,
    publicKeyUrl: signer.publicKeyUrl,
    publicKeyUrlPrefix,
    faults,
    requestCounts: () => Object.fromEntries(requestCounts),
    resetRequestCounts: () => requestCounts.clear(),
    close: () => closeServer(server),
  };
}
