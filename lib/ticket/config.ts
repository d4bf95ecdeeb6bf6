/**
 * The ticket function's settings, read and checked once per instance (and again when
 * FC rotates the role's keys). Every problem is a ConfigError naming the variable,
 * never a secret value.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `OSS_REGION` / `FC_REGION` | one required | region of the bucket, `oss-cn-hangzhou` or `cn-hangzhou` (FC sets FC_REGION) |
 * | `OSS_BUCKET` | required | the bucket tickets upload to |
 * | `OSS_ENDPOINT` | — | local stack only: the OSS emulator's origin (tickets then post path-style to `<endpoint>/<bucket>`) |
 * | `TICKET_UPLOAD_URL` | `https://<bucket>.oss-<region>.aliyuncs.com` | where browsers post the form (a bucket's CNAME, say) |
 * | `CALLBACK_URL`, `CALLBACK_TOKEN_SECRET` | required | as for the uploader: OSS calls the callback function with our job token |
 * | `TICKET_KEY_PREFIX` | `uploads/` | every ticket's key starts with it (empty, or ending in `/`) |
 * | `TICKET_PER_USER` | `true` | keys go under `<prefix>users/<user id>/` |
 * | `TICKET_USER_HEADER` | `x-user-id` | the header FC's JWT trigger fills from the user id claim (s.yaml's claimPassBy) |
 * | `TICKET_MAX_BYTES` | 104857600 (100 MiB) | cap of a ticket's maxBytes, at most 5 GiB (PostObject's limit) |
 * | `TICKET_EXPIRES_SECONDS` | 600 | lifetime of a ticket's policy, 60–600 |
 * | `TABLESTORE_*` | see lib/store/config.ts | the records the read endpoint returns |
 */
import { callbackUrlFromEnv, tokenSecretsFromEnv } from '../protocol/settings';
import { ConfigError } from '../errors';
import { BUCKET_PATTERN, optionalSetting, ossRegionFromEnv, requiredSetting } from '../settings';
import { storeConfigFromEnv, type ContextCredentials, type StoreConfig } from '../store/config';
import { hasControlCharacters } from './naming';

const MiB = 1024 * 1024;
/** PostObject uploads at most 5 GB (OSS PostObject, "Usage notes"). */
export const POST_OBJECT_MAX_BYTES = 5 * 1024 * MiB;
/** A ticket's policy lives 10 minutes at most: long enough for a slow phone, short enough to leak little. */
export const MAX_TICKET_SECONDS = 600;

/** Everything issuing and reading tickets needs, checked. */
export interface TicketConfig {
  /** Standard region id (`cn-hangzhou`), as V4 signatures name it. */
  region: string;
  bucket: string;
  /** Where the browser posts the form. */
  uploadUrl: string;
  callbackUrl: string;
  tokenSecrets: string[];
  keyPrefix: string;
  perUser: boolean;
  /** Lower case. */
  userHeader: string;
  maxBytesCap: number;
  expiresSeconds: number;
  store: StoreConfig;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError('bad_setting', name, `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError('bad_setting', name, `${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function httpOrigin(env: NodeJS.ProcessEnv, name: string, allowPath: boolean): string | undefined {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('bad_setting', name, `${name} is not a URL: ${JSON.stringify(raw)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || (!allowPath && url.pathname !== '/')) {
    throw new ConfigError('bad_setting', name, `${name} must be an http(s) URL without query${allowPath ? '' : ' or path'}, got ${JSON.stringify(raw)}`);
  }
  return allowPath ? url.href.replace(/\/$/, '') : url.origin;
}

function keyPrefix(env: NodeJS.ProcessEnv): string {
  const raw = env.TICKET_KEY_PREFIX === undefined ? 'uploads/' : env.TICKET_KEY_PREFIX.trim();
  if (raw !== '' && (!raw.endsWith('/') || raw.startsWith('/') || raw.includes('//') || raw.includes('\\') || hasControlCharacters(raw) || Buffer.byteLength(raw) > 512)) {
    throw new ConfigError('bad_setting', 'TICKET_KEY_PREFIX', `TICKET_KEY_PREFIX must be empty or a path ending in "/" (e.g. uploads/), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/**
 * Reads and checks the ticket function's configuration. Credentials for the store come
 * from the FC context when it has a usable pair, else from `ALIBABA_CLOUD_*`.
 *
 * @example const config = ticketConfigFromEnv(process.env, usableCredentials(context));
 */
export function ticketConfigFromEnv(env: NodeJS.ProcessEnv, credentials?: ContextCredentials): TicketConfig {
  const bucket = requiredSetting(env, 'OSS_BUCKET');
  if (!BUCKET_PATTERN.test(bucket)) throw new ConfigError('bad_setting', 'OSS_BUCKET', `OSS_BUCKET must be an OSS bucket name, got ${JSON.stringify(bucket)}`);
  const standard = ossRegionFromEnv(env);
  const endpoint = httpOrigin(env, 'OSS_ENDPOINT', false);
  const uploadUrl = httpOrigin(env, 'TICKET_UPLOAD_URL', true) ?? (endpoint ? `${endpoint}/${bucket}` : `https://${bucket}.oss-${standard}.aliyuncs.com`);

  const callbackUrl = callbackUrlFromEnv(env);
  const tokenSecrets = tokenSecretsFromEnv(env);

  const userHeader = (optionalSetting(env, 'TICKET_USER_HEADER') ?? 'x-user-id').toLowerCase();
  if (!/^[a-z0-9-]{1,64}$/.test(userHeader)) throw new ConfigError('bad_setting', 'TICKET_USER_HEADER', `TICKET_USER_HEADER must be a header name, got ${JSON.stringify(userHeader)}`);

  return {
    region: standard,
    bucket,
    uploadUrl,
    callbackUrl,
    tokenSecrets,
    keyPrefix: keyPrefix(env),
    perUser: flag(env, 'TICKET_PER_USER', true),
    userHeader,
    maxBytesCap: integer(env, 'TICKET_MAX_BYTES', 100 * MiB, 1, POST_OBJECT_MAX_BYTES),
    expiresSeconds: integer(env, 'TICKET_EXPIRES_SECONDS', MAX_TICKET_SECONDS, 60, MAX_TICKET_SECONDS),
    store: storeConfigFromEnv(env, credentials),
  };
}
