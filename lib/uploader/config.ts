/**
 * The uploader's settings, read from the environment once per instance (and again only
 * when the FC credentials change). Every problem is a ConfigError naming the variable;
 * secret values never appear in a message.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `OSS_REGION` | `FC_REGION` | the bucket's region, `cn-hangzhou` or `oss-cn-hangzhou`; required (V4 signatures are scoped to it) |
 * | `OSS_ENDPOINT` | from the region | an origin such as `http://127.0.0.1:9000` or an internal endpoint |
 * | `OSS_BUCKET` | required | target bucket of jobs that name none |
 * | `OSS_TIMEOUT_MS` | 60000 | per-request timeout of OSS calls |
 * | `CALLBACK_URL` | required | the callback function's URL (up to 5, `;`-separated), no query |
 * | `CALLBACK_TOKEN_SECRET` | required | job token secrets, comma-separated, first signs |
 * | `TABLESTORE_*` | see lib/store/config.ts | the record store |
 * | `UPLOAD_MULTIPART_THRESHOLD_BYTES` | 16 MiB | larger sources go by multipart |
 * | `UPLOAD_PART_SIZE_BYTES` | 8 MiB | multipart part size, 100 KiB – 5 GiB |
 * | `UPLOAD_CONCURRENCY` | 4 | jobs of a batch uploaded at once |
 * | `UPLOAD_PART_CONCURRENCY` | 2 | parts of one job uploaded at once |
 * | `UPLOAD_RETRY_ATTEMPTS` | 3 | attempts per job (and per part) on transient errors |
 * | `UPLOAD_RETRY_BASE_DELAY_MS` | 500 | first back-off; doubles, with jitter, up to 8 s |
 * | `SOURCE_TIMEOUT_MS` | 30000 | connect and idle timeout of source fetches |
 * | `SOURCE_MAX_REDIRECTS` | 5 | redirects a url source may take |
 * | `UPLOAD_ALLOW_PRIVATE_SOURCES` | false | allow url sources on loopback / private / CGNAT addresses |
 * | `SOURCE_ALLOW_METADATA` | false | allow link-local and metadata addresses (169.254.0.0/16, 100.100.100.200, fe80::/10) |
 *
 * The two address switches are independent: allowing private sources (the local stack
 * does, its sources are on 127.0.0.1) never opens the metadata service, which hands out
 * the instance's credentials. Only `SOURCE_ALLOW_METADATA=true` does that.
 *
 * Memory: at most UPLOAD_CONCURRENCY jobs each hold either one small object (up to the
 * threshold) or, by multipart, (UPLOAD_PART_CONCURRENCY + 1) parts.
 */
import { callbackUrlFromEnv, tokenSecretsFromEnv } from '../protocol/settings';
import type { OssClientConfig } from './oss-client';
import { ConfigError, storeConfigFromEnv, type ContextCredentials, type StoreConfig } from '../store/config';
import type { AddressPolicy } from './address-policy';
import type { RetryPolicy } from './retry';
import { optionalSetting, ossRegionFromEnv, requiredSetting, BUCKET_PATTERN } from '../settings';

export { ConfigError } from '../store/config';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** OSS limits (https://www.alibabacloud.com/help/en/oss/user-guide/multipart-upload): parts 100 KiB – 5 GiB, objects by PutObject up to 5 GiB. */
export const MIN_PART_SIZE = 100 * KiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PUT_SIZE = 5 * GiB;

/** How one source is fetched. */
export interface SourceSettings {
  timeoutMs: number;
  maxRedirects: number;
  addresses: AddressPolicy;
}

/** How one job is uploaded. */
export interface UploadSettings {
  multipartThresholdBytes: number;
  partSizeBytes: number;
  partConcurrency: number;
  retry: RetryPolicy;
  source: SourceSettings;
}

/** Everything the uploader needs, checked. */
export interface UploaderConfig {
  oss: OssClientConfig;
  defaultBucket: string;
  /** As given (`;`-separated list allowed); checked by the callback encoder's rules. */
  callbackUrl: string;
  tokenSecrets: string[];
  store: StoreConfig;
  /** Jobs of a batch handled at once. */
  concurrency: number;
  upload: UploadSettings;
}

/** Credentials as FC passes them (possibly empty) — the same shape the store takes. */
export type UploaderCredentials = ContextCredentials;

/**
 * A region id (`cn-hangzhou`, `ap-southeast-1`, `us-west-1`), or OSS's form of it with
 * `oss-` in front (`oss-cn-hangzhou`, what OSS endpoints and ali-oss's `region` use).
 */


function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError('bad_setting', name, `${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError('bad_setting', name, `${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return false;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError('bad_setting', name, `${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** The bucket's region in ali-oss's form (`oss-cn-hangzhou`): see {@link ossRegionFromEnv}. */
function ossRegion(env: NodeJS.ProcessEnv): string {
  return `oss-${ossRegionFromEnv(env)}`;
}

function ossLocation(env: NodeJS.ProcessEnv): Pick<OssClientConfig, 'region' | 'endpoint' | 'secure'> {
  const region = ossRegion(env);
  const endpoint = optionalSetting(env, 'OSS_ENDPOINT');
  if (endpoint === undefined) return { region, secure: true };
  // A bare host name means HTTPS, as OSS's own endpoints are written without a scheme.
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError('bad_setting', 'OSS_ENDPOINT', `OSS_ENDPOINT is not a URL or host name: ${JSON.stringify(endpoint)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('bad_setting', 'OSS_ENDPOINT', `OSS_ENDPOINT must be an http(s) origin such as https://oss-cn-hangzhou.aliyuncs.com, got ${JSON.stringify(endpoint)}`);
  }
  return { region, endpoint: url.origin, secure: url.protocol === 'https:' };
}

/**
 * Reads and checks the uploader's configuration. Credentials come from the FC context
 * when it has a usable pair, else from `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` /
 * `ALIBABA_CLOUD_SECURITY_TOKEN` (the store config applies the same rule).
 *
 * @example
 * const config = uploaderConfigFromEnv(process.env, context.credentials);
 * // => { defaultBucket: 'photos', concurrency: 4, upload: { partSizeBytes: 8388608, … }, … }
 */
export function uploaderConfigFromEnv(env: NodeJS.ProcessEnv, credentials?: UploaderCredentials): UploaderConfig {
  const location = ossLocation(env);
  const defaultBucket = requiredSetting(env, 'OSS_BUCKET');
  if (!BUCKET_PATTERN.test(defaultBucket)) {
    throw new ConfigError('bad_setting', 'OSS_BUCKET', `OSS_BUCKET must be an OSS bucket name (3–63 of a-z, 0-9, -), got ${JSON.stringify(defaultBucket)}`);
  }
  const url = callbackUrlFromEnv(env);
  const secrets = tokenSecretsFromEnv(env);
  const store = storeConfigFromEnv(env, credentials);

  const partSizeBytes = integer(env, 'UPLOAD_PART_SIZE_BYTES', 8 * MiB, MIN_PART_SIZE, MAX_PART_SIZE);
  const upload: UploadSettings = {
    multipartThresholdBytes: integer(env, 'UPLOAD_MULTIPART_THRESHOLD_BYTES', 16 * MiB, 0, MAX_PUT_SIZE),
    partSizeBytes,
    partConcurrency: integer(env, 'UPLOAD_PART_CONCURRENCY', 2, 1, 64),
    retry: {
      attempts: integer(env, 'UPLOAD_RETRY_ATTEMPTS', 3, 1, 20),
      baseDelayMs: integer(env, 'UPLOAD_RETRY_BASE_DELAY_MS', 500, 0, 60_000),
      maxDelayMs: 8000,
    },
    source: {
      timeoutMs: integer(env, 'SOURCE_TIMEOUT_MS', 30_000, 100, 15 * 60_000),
      maxRedirects: integer(env, 'SOURCE_MAX_REDIRECTS', 5, 0, 20),
      addresses: { allowPrivate: flag(env, 'UPLOAD_ALLOW_PRIVATE_SOURCES'), allowMetadata: flag(env, 'SOURCE_ALLOW_METADATA') },
    },
  };

  return {
    oss: { ...location, credentials: store.credentials, timeoutMs: integer(env, 'OSS_TIMEOUT_MS', 60_000, 1000, 15 * 60_000) },
    defaultBucket,
    callbackUrl: url,
    tokenSecrets: secrets,
    store,
    concurrency: integer(env, 'UPLOAD_CONCURRENCY', 4, 1, 64),
    upload,
  };
}
