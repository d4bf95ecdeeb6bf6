/**
 * The access key the command-line tools (ensure-table, results, smoke) sign with: the
 * `@alicloud/credentials` default chain (tools/credentials.ts), reported as a list
 * of problems instead of thrown, so the callers can list every missing setting at once.
 */
import { CredentialsError, resolveCredentials, type ResolvedCredentials, type ToolCredentials } from '../../tools/credentials';

/** The credentials and where they came from, or the reasons there are none (never a value). */
export type CredentialsResult =
  | { credentials: ToolCredentials; resolved: ResolvedCredentials; problems?: undefined }
  | { credentials?: undefined; resolved?: undefined; problems: string[] };

/**
 * Resolves the tools' credentials by the SDKs' default chain (environment, OIDC, profile
 * files, ECS RAM role, credentials URI). The chain reads `process.env` itself.
 *
 * @example
 * const { credentials, problems } = await resolveToolCredentials();
 */
export async function resolveToolCredentials(): Promise<CredentialsResult> {
  try {
    const resolved = await resolveCredentials();
    return { credentials: resolved.credentials, resolved };
  } catch (error) {
    if (error instanceof CredentialsError) return { problems: [error.message] };
    throw error;
  }
}
