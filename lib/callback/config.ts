/**
 * The callback function's settings, read and checked once per instance.
 */
import { storeConfigFromEnv, ConfigError, type ContextCredentials, type StoreConfig } from '../store/config';
import { allowedPrefixesFromEnv, DEFAULT_KEY_FETCHES_PER_MINUTE } from './public-key';
import { tokenSecretsFromEnv } from '../protocol/settings';
import { BUCKET_PATTERN } from '../settings';

export interface CallbackConfig {
  /** Job-token secrets: the first signs (uploader), all verify (here). */
  tokenSecrets: readonly string[];
  /** Buckets whose callbacks are accepted; undefined = any bucket. */
  allowedBuckets?: ReadonlySet<string>;
  /** Public-key URL prefixes to trust (OSS's own unless overridden for the local stack). */
  keyUrlPrefixes: readonly string[];
  /**
   * Prepended to the request path before verifying. OSS signs the path of the URL it
   * called; a custom domain that routes `/oss-callback/*` to the function and strips the
   * prefix hands the function a shorter path, which would never verify.
   */
  signedPathPrefix: string;
  /** Public-key fetches allowed per minute in one instance (keys other than OSS's pinned one). */
  keyFetchesPerMinute: number;
  store: StoreConfig;
}

/** The most `CALLBACK_PUBKEY_FETCHES_PER_MINUTE` may allow. */
export const MAX_KEY_FETCHES_PER_MINUTE = 1000;

/**
 * Reads CALLBACK_TOKEN_SECRET, CALLBACK_ALLOWED_BUCKETS, CALLBACK_PUBKEY_URL_PREFIXES,
 * CALLBACK_PUBKEY_FETCHES_PER_MINUTE, CALLBACK_SIGNED_PATH_PREFIX and the store
 * settings. Throws ConfigError naming the variable at fault, never its value (the
 * callback function answers requests with that message while it is misconfigured).
 *
 * @example const config = callbackConfigFromEnv(process.env, context.credentials);
 */
export function callbackConfigFromEnv(env: NodeJS.ProcessEnv, credentials?: ContextCredentials): CallbackConfig {
  const tokenSecrets = tokenSecretsFromEnv(env);
  let keyUrlPrefixes: readonly string[];
  try {
    keyUrlPrefixes = allowedPrefixesFromEnv(env);
  } catch (error) {
    throw new ConfigError('bad_setting', 'CALLBACK_PUBKEY_URL_PREFIXES', (error as Error).message);
  }
  const config: CallbackConfig = {
    tokenSecrets,
    keyUrlPrefixes,
    signedPathPrefix: '',
    keyFetchesPerMinute: DEFAULT_KEY_FETCHES_PER_MINUTE,
    store: storeConfigFromEnv(env, credentials),
  };
  const buckets = env.CALLBACK_ALLOWED_BUCKETS?.trim();
  if (buckets) {
    const list = buckets.split(',').map((b) => b.trim()).filter((b) => b !== '');
    const bad = list.findIndex((b) => !BUCKET_PATTERN.test(b));
    if (bad >= 0) throw new ConfigError('bad_setting', 'CALLBACK_ALLOWED_BUCKETS', `CALLBACK_ALLOWED_BUCKETS: entry #${bad + 1} is not an OSS bucket name`);
    config.allowedBuckets = new Set(list);
  }
  const prefix = env.CALLBACK_SIGNED_PATH_PREFIX?.trim();
  if (prefix) {
    if (!prefix.startsWith('/') || prefix.endsWith('/') || prefix.includes('?')) {
      throw new ConfigError('bad_setting', 'CALLBACK_SIGNED_PATH_PREFIX', 'CALLBACK_SIGNED_PATH_PREFIX must start with "/" and not end with "/" (e.g. /oss-callback)');
    }
    config.signedPathPrefix = prefix;
  }
  const fetches = env.CALLBACK_PUBKEY_FETCHES_PER_MINUTE?.trim();
  if (fetches) {
    if (!/^[0-9]{1,4}$/.test(fetches) || Number(fetches) < 1 || Number(fetches) > MAX_KEY_FETCHES_PER_MINUTE) {
      throw new ConfigError('bad_setting', 'CALLBACK_PUBKEY_FETCHES_PER_MINUTE', `CALLBACK_PUBKEY_FETCHES_PER_MINUTE must be a whole number from 1 to ${MAX_KEY_FETCHES_PER_MINUTE}`);
    }
    config.keyFetchesPerMinute = Number(fetches);
  }
  return config;
}
