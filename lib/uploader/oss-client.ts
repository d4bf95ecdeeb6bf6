/**
 * ali-oss clients built from our configuration, one per bucket.
 *
 * An ali-oss client is bound to one bucket (`options.bucket`); `useBucket()` would mutate
 * a client that concurrent jobs share, so a job for another bucket gets its own client
 * from a small cache instead.
 *
 * Every request is signed V4 (OSS4-HMAC-SHA256): OSS refuses V1 for accounts created
 * since 2025-03-01 and buckets created since 2025-09-01 ("Guidelines for upgrading V1
 * signatures to V4 signatures", OSS docs, read 2026-12-02). In ali-oss 6.23.0 the option
 * `authorizationV4: true` switches lib/common/utils/createRequest.js, through which every
 * operation we use passes (put/putStream, head, getStream, initMultipartUpload,
 * uploadPart, completeMultipartUpload, abortMultipartUpload, putBucket: all call
 * `this.request`), to signUtils.authorizationV4 with an `x-oss-date` in ISO 8601 basic
 * form and `x-oss-content-sha256: UNSIGNED-PAYLOAD`. The scope's region is
 * `options.region` without its `oss-` prefix (lib/client.js authorizationV4 →
 * getStandardRegion), so the region must be the bucket's even when an endpoint is given:
 * ali-oss would otherwise sign for its default, oss-cn-hangzhou.
 */
import OSS from 'ali-oss';

/** Where OSS is and how to sign for it. */
export interface OssClientConfig {
  /**
   * The bucket's region in ali-oss's form, `oss-cn-hangzhou`: the V4 signing scope
   * (as `cn-hangzhou`), the endpoint when none is given, and the Host of requests to an
   * IP endpoint.
   */
  region: string;
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
 * await client.put('a.txt', Buffer.from('hi'));   // Authorization: OSS4-HMAC-SHA256 Credential=…/cn-hangzhou/oss/aliyun_v4_request,…
 */
export function createOssClient(config: OssClientConfig, bucket: string): OSS {
  const { accessKeyId, accessKeySecret, securityToken } = config.credentials;
  return new OSS({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    region: config.region,
    authorizationV4: true,
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
