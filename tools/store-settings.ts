/**
 * The results store's settings for the command-line tools, read like the functions read
 * them (lib/store/config.ts: TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE, TABLESTORE_TABLE),
 * with every missing setting reported at once instead of the first one.
 */
import { ConfigError } from '../lib/errors';
import { storeConfigFromEnv, type StoreConfig } from '../lib/store/config';
import { SettingsError } from './settings-error';
import { resolveToolCredentials } from './credentials';

const REQUIRED: readonly [string, string][] = [
  ['TABLESTORE_ENDPOINT', 'the instance endpoint, e.g. https://<instance>.<region>.ots.aliyuncs.com'],
  ['TABLESTORE_INSTANCE', 'the Tablestore instance name'],
];

/**
 * The store configuration, or SettingsError listing every missing setting (then every
 * malformed one) by variable name.
 *
 * @example const { config, credentialsSource } = await toolStoreConfig(process.env); // throws SettingsError
 */
export async function toolStoreConfig(env: NodeJS.ProcessEnv): Promise<{ config: StoreConfig; credentialsSource: string }> {
  const missing = REQUIRED.filter(([name]) => !env[name]?.trim()).map(([name, what]) => `${name} is not set (${what})`);
  const resolved = await resolveToolCredentials();
  if (resolved.problems) missing.push(...resolved.problems);
  if (missing.length > 0 || !resolved.credentials) throw new SettingsError('missing_settings', missing);
  try {
    return { config: storeConfigFromEnv(env, resolved.credentials), credentialsSource: resolved.resolved.source };
  } catch (err) {
    if (err instanceof ConfigError) throw new SettingsError('invalid_setting', [err.message]);
    throw err;
  }
}
