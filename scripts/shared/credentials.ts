/**
 * The access key the command-line tools (ensure-table, results, smoke) sign with.
 *
 * One function on purpose: it reads the ALIBABA_CLOUD_ACCESS_KEY_* variables as submit
 * does today, and is meant to be replaced by the `@alicloud/credentials` default chain
 * (environment, profile file, RAM role…) without its callers changing. It is async and
 * reports problems instead of throwing so the callers can list every missing setting at once.
 */
import type { Credentials } from '../submit/settings';

/** The credentials, or the reasons there are none (each naming a variable, never a value). */
export type CredentialsResult = { credentials: Credentials; problems?: undefined } | { credentials?: undefined; problems: string[] };

/**
 * Resolves the tools' credentials from the environment.
 *
 * @example
 * const { credentials, problems } = await resolveToolCredentials(process.env);
 */
export async function resolveToolCredentials(env: NodeJS.ProcessEnv): Promise<CredentialsResult> {
  const read = (name: string) => env[name]?.trim() || undefined;
  const accessKeyId = read('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = read('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const securityToken = read('ALIBABA_CLOUD_SECURITY_TOKEN');
  const problems: string[] = [];
  if (!accessKeyId) problems.push('ALIBABA_CLOUD_ACCESS_KEY_ID is not set (the AccessKey ID to sign requests with)');
  if (!accessKeySecret) problems.push('ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set (the AccessKey secret to sign requests with)');
  // Temporary keys are STS.…; without their token every request would be refused.
  if (accessKeyId?.startsWith('STS.') && !securityToken) problems.push('ALIBABA_CLOUD_SECURITY_TOKEN is not set (needed with the temporary STS key in ALIBABA_CLOUD_ACCESS_KEY_ID)');
  if (problems.length > 0 || !accessKeyId || !accessKeySecret) return { problems };
  return { credentials: { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) } };
}
