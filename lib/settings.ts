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

const REGION_PATTERN = /^(?:oss-)?((?!oss-)[a-z]+(?:-[a-z0-9]+)+)$/;

/**
 * The bucket's region as V4 signatures scope it (`cn-hangzhou`), from OSS_REGION or else
 * FC_REGION, either written `cn-hangzhou` or `oss-cn-hangzhou`. FC sets FC_REGION in every
 * function's environment ("FC_REGION: the region where the function resides", FC's
 * environment variables page,
 * https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables, read
 * 2026-12-02). Required even with OSS_ENDPOINT: V4 signatures are scoped to the region,
 * and ali-oss signs for oss-cn-hangzhou when it is not told. Region names are not secret,
 * so a malformed one is quoted.
 *
 * @example ossRegionFromEnv({ FC_REGION: 'cn-shanghai' }) // => 'cn-shanghai'
 */
export function ossRegionFromEnv(env: NodeJS.ProcessEnv): string {
  const own = optionalSetting(env, 'OSS_REGION');
  const setting = own !== undefined ? 'OSS_REGION' : 'FC_REGION';
  const value = own ?? optionalSetting(env, 'FC_REGION');
  if (value === undefined) {
    throw new ConfigError(
      'missing_setting',
      'OSS_REGION',
      "OSS_REGION must be set to the bucket's region (e.g. cn-hangzhou): OSS requests are signed V4, which is scoped to a region (in Function Compute FC_REGION is used when OSS_REGION is not set)",
    );
  }
  const match = REGION_PATTERN.exec(value);
  if (!match) throw new ConfigError('bad_setting', setting, `${setting} must be a region such as cn-hangzhou or oss-cn-hangzhou, got ${JSON.stringify(value)}`);
  return match[1]!;
}
