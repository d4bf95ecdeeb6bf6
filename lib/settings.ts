/**
 * Reading settings from the environment: trimmed, with empty meaning unset, and a
 * ConfigError naming the variable (never its value) when a required one is missing.
 */
import { ConfigError } from './errors';

/** OSS bucket naming rules: 3–63 of a-z, 0-9 and `-`, starting and ending with a letter or digit. */
export const BUCKET_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The trimmed value of `name`, or undefined when it is unset or blank.
 *
 * @example optionalSetting(process.env, 'TABLESTORE_TABLE') ?? 'upload_results'
 */
export function optionalSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The trimmed value of `name`; throws ConfigError('missing_setting') when unset or blank.
 *
 * @example const endpoint = requiredSetting(process.env, 'TABLESTORE_ENDPOINT');
 */
export function requiredSetting(env: NodeJS.ProcessEnv, name: string): string {
  const value = optionalSetting(env, name);
  if (value === undefined) throw new ConfigError('missing_setting', name, `${name} is not set`);
  return value;
}
