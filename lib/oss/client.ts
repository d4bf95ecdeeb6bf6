/**
 * ali-oss clients built from our configuration, one per bucket.
 *
 * An ali-oss client is bound to one bucket (`options.bucket`); `useBucket()` would mutate
 * a client that concurrent jobs share, so a job for another bucket gets its own client
 * from a small cache instead.
 */
import OSS from 'ali-oss';

/** Where OSS is and how to sign for it. */
export interface OssClientConfig {
  /** `oss-cn-hangzhou`; used when no endpoint is given (and for the Host of virtual-hosted requests). */
  region?: string;
  /** Full origin, e.g. `http://127.0.0.1:9000` (local stack) or `https://oss-cn-hangzhou-internal.aliyuncs.com`. */
  endpoint?: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Per-request timeout of ali-oss (connect and response), milliseconds. */
  timeoutMs: number;
  /** HTTPS when true; an explicit endpoint's scheme decides for itself. */
  secure: boolean;
}

/**
 * The operations of an ali-oss client the uploader uses. The real client satisfies it;
 * tests may wrap one to count requests.
 */
export type OssObjectClient = Pick<
  OSS,
  'put' | 'head' | 'getStream' | 'initMultipartUpload' | 'uploadPart' | 'completeMultipartUpload' | 'abortMultipartUpload'
>;

/**
 * Makes an ali-oss client for one bucket.
 *
 * With an IP endpoint such as `http://127.0.0.1:9000` ali-oss connects to that address and
 * names the bucket in the Host header (`<bucket>.<region>.aliyuncs.com`); the local OSS
 * emulator accepts both that and path-style requests (local/oss/routing.ts).
 *
 * @example
 * const client = createOssClient({ region: 'oss-cn-hangzhou', credentials, timeoutMs: 60000, secure: true }, 'photos');
 * await client.put('a.txt', Buffer.from('hi'));
 */
export function createOssClient(config: OssClientConfig, bucket: string): OSS {
  const { accessKeyId, accessKeySecret, securityToken } = config.credentials;
  return new OSS({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    accessKeyId,
    accessKeySecret,
    ...(securityToken
      ? {
          stsToken: securityToken,
          // ali-oss warns on every construction with an STS token unless one of the refresh
          // options is set (lib/common/client/initOptions.js). FC hands each invocation
          // fresh credentials and callers build a new client when they change, so no
          // refresh function is given and this interval is never used.
          refreshSTSTokenInterval: 5 * 60_000,
        }
      : {}),
    bucket,
    timeout: config.timeoutMs,
    secure: config.secure,
  });
}

/**
 * A cache of clients, one per bucket, for one set of credentials.
 *
 * @example
 * const clients = new OssClients(config.oss);
 * await clients.forBucket('photos').head('a.jpg');
 */
export class OssClients {
  private readonly clients = new Map<string, OssObjectClient>();

  constructor(
    readonly config: OssClientConfig,
    private readonly create: (config: OssClientConfig, bucket: string) => OssObjectClient = createOssClient,
  ) {}

  /** The client for `bucket`, made on first use. */
  forBucket(bucket: string): OssObjectClient {
    let client = this.clients.get(bucket);
    if (!client) {
      client = this.create(this.config, bucket);
      this.clients.set(bucket, client);
    }
    return client;
  }
}
