/**
 * The callback-protocol settings every function reads the same way: where OSS sends the
 * callback (CALLBACK_URL, checked by the rules every upload's headers go through) and the
 * job-token secrets (CALLBACK_TOKEN_SECRET). Problems are ConfigErrors naming the setting.
 */
import { ConfigError } from '../errors';
import { requiredSetting } from '../settings';
import { CallbackParamsError, encodeCallback } from './encode';
import { parseTokenSecrets, TokenSecretError } from './token';

/**
 * CALLBACK_URL as given (up to 5 URLs, `;`-separated), checked now so a bad URL fails at
 * start rather than on every upload.
 *
 * @example callbackUrlFromEnv({ CALLBACK_URL: 'https://cb.example.com/oss/callback' })
 */
export function callbackUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const url = requiredSetting(env, 'CALLBACK_URL');
  try {
    encodeCallback({ urls: url, body: 'bucket=${bucket}' });
  } catch (error) {
    if (error instanceof CallbackParamsError) throw new ConfigError('bad_setting', 'CALLBACK_URL', `CALLBACK_URL: ${error.message}`);
    throw error;
  }
  return url;
}

/**
 * The job-token secrets of CALLBACK_TOKEN_SECRET: the first signs, all verify.
 *
 * @example tokenSecretsFromEnv({ CALLBACK_TOKEN_SECRET: 'new-secret-of-16+,old-secret-of-16+' }) // => ['new-…', 'old-…']
 */
export function tokenSecretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  try {
    return parseTokenSecrets(env.CALLBACK_TOKEN_SECRET);
  } catch (error) {
    if (error instanceof TokenSecretError) throw new ConfigError(error.reason, 'CALLBACK_TOKEN_SECRET', error.message);
    throw error;
  }
}
