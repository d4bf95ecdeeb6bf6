/**
 * Credentials for the tools that call Alibaba Cloud from a workstation or CI (`npm run
 * submit`, scripts/ensure-table.ts), found the way Alibaba's own SDKs find them: the
 * default chain of @alicloud/credentials. Tools only — the deployed functions never load
 * this; they take their role's keys from `context.credentials` (lib/fc/context.ts).
 *
 * The chain of @alicloud/credentials 2.4.7 (src/providers/default.ts,
 * `DefaultCredentialsProvider`), first usable source wins:
 *  1. environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
 *     [, ALIBABA_CLOUD_SECURITY_TOKEN] (src/providers/env.ts);
 *  2. OIDC role: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
 *     ALIBABA_CLOUD_OIDC_TOKEN_FILE, exchanged at STS (src/providers/oidc_role_arn.ts);
 *  3. the Alibaba Cloud CLI's profile: ~/.aliyun/config.json, profile ALIBABA_CLOUD_PROFILE
 *     or the file's `current` (src/providers/cli_profile.ts; off with
 *     ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true);
 *  4. the credentials file: ALIBABA_CLOUD_CREDENTIALS_FILE or ~/.alibabacloud/credentials
 *     (INI), profile ALIBABA_CLOUD_PROFILE or `default` (src/providers/profile.ts);
 *  5. the ECS RAM role, from the instance metadata service at 100.100.100.200
 *     (src/providers/ecs_ram_role.ts; role ALIBABA_CLOUD_ECS_METADATA or discovered; off
 *     with ALIBABA_CLOUD_ECS_METADATA_DISABLED=true);
 *  6. a credentials URI: ALIBABA_CLOUD_CREDENTIALS_URI (src/providers/uri.ts).
 *
 * Off ECS the metadata lookup fails fast: the SDK gives each of its requests 1 s to
 * connect and 1 s to answer (ecs_ram_role.ts `withConnectTimeout(this.connectTimeout ||
 * 1000)`). But the chain always ends with the URI source, which with no URI set still
 * tries `https://undefined/` (a DNS lookup that can hang offline), and STS-based sources
 * allow 5 s + 10 s. So the whole look-up is bounded here too (LOOKUP_TIMEOUT_MS).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import CredentialModule from '@alicloud/credentials';
import { ReasonedError } from '../lib/errors';

// Node's ESM loader hands a CommonJS module's `exports` as the default import; the SDK's
// class is that object's `default` (compiled `export default`). A bundler gives the class.
const Credential = (CredentialModule as unknown as { default?: typeof CredentialModule }).default ?? CredentialModule;

/** The SDK's credential client (what @alicloud/openapi-core SDKs take as `credential`). */
export type CredentialClient = InstanceType<typeof CredentialModule>;

/** A key pair, with its STS token when temporary. */
export interface ToolCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Credentials found, where they came from, and the SDK client that found them. */
export interface ResolvedCredentials {
  credentials: ToolCredentials;
  /** The SDK's name of the source, e.g. `default/env`, `default/cli_profile`. */
  provider: string;
  /** The source in words, e.g. `environment variables (ALIBABA_CLOUD_ACCESS_KEY_ID, …)`. */
  source: string;
  /**
   * The SDK client itself, for SDKs that accept it (`new Fc(...{ credential })`): it
   * refreshes temporary credentials (ECS role, OIDC) on its own.
   */
  client: CredentialClient;
}

export type CredentialsErrorReason = 'no_credentials' | 'credentials_lookup_timed_out' | 'incomplete_credentials';

/**
 * No usable credentials. `places` lists every source of the chain, in order, with what
 * was found there; the message says the same. Never carries a secret.
 */
export class CredentialsError extends ReasonedError<CredentialsErrorReason> {
  readonly places: string[];

  constructor(reason: CredentialsErrorReason, message: string, places: string[]) {
    super(reason, message);
    this.places = places;
  }
}

/** How long the whole chain may take before the tool gives up (see the header comment). */
export const LOOKUP_TIMEOUT_MS = 10_000;

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? '') !== '';
}

function isTrue(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? '').toLowerCase() === 'true';
}

/**
 * Every place the default chain looks, in its order, each with what this machine has
 * there (variables set or not, files present or not). Names and paths only, no values.
 *
 * @example credentialPlaces(process.env, '/home/me')[0]
 * // '1. environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN): not set'
 */
export function credentialPlaces(env: NodeJS.ProcessEnv, home: string): string[] {
  const places: string[] = [];

  const id = isSet(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const secret = isSet(env, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const envState = id && secret ? 'set, but not usable' : id ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set' : secret ? 'ALIBABA_CLOUD_ACCESS_KEY_ID is not set' : 'not set';
  places.push(`environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN): ${envState}`);

  const oidc = ['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'];
  const oidcMissing = oidc.filter((name) => !isSet(env, name));
  const oidcState = oidcMissing.length === oidc.length ? 'not set' : oidcMissing.length > 0 ? `${oidcMissing.join(', ')} not set` : 'set, but STS gave no credentials';
  places.push(`OIDC role: ${oidc.join(', ')}: ${oidcState}`);

  const profile = env.ALIBABA_CLOUD_PROFILE || undefined;
  const cliConfig = join(home, '.aliyun', 'config.json');
  const cliState = isTrue(env, 'ALIBABA_CLOUD_CLI_PROFILE_DISABLED')
    ? 'disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true'
    : existsSync(cliConfig)
      ? `present, but ${profile ? `profile '${profile}'` : 'its current profile'} gave no credentials`
      : 'no such file';
  places.push(`Alibaba Cloud CLI profile ${cliConfig}: ${cliState}`);

  const credentialsFile = env.ALIBABA_CLOUD_CREDENTIALS_FILE || join(home, '.alibabacloud', 'credentials');
  const fileState = existsSync(credentialsFile) ? `present, but profile '${profile ?? 'default'}' gave no credentials` : 'no such file';
  places.push(`credentials file ${credentialsFile}${env.ALIBABA_CLOUD_CREDENTIALS_FILE ? ' (ALIBABA_CLOUD_CREDENTIALS_FILE)' : ''}: ${fileState}`);

  const imdsState = isTrue(env, 'ALIBABA_CLOUD_ECS_METADATA_DISABLED') ? 'disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true' : 'no role credentials (not on ECS, or no RAM role attached)';
  places.push(`ECS RAM role from the instance metadata service (100.100.100.200): ${imdsState}`);

  places.push(`credentials URI ALIBABA_CLOUD_CREDENTIALS_URI: ${isSet(env, 'ALIBABA_CLOUD_CREDENTIALS_URI') ? 'set, but gave no credentials' : 'not set'}`);
  return places.map((place, i) => `${i + 1}. ${place}`);
}

/**
 * The source of an SDK provider name in words.
 *
 * @example describeProvider('default/cli_profile', process.env, '/home/me') // 'Alibaba Cloud CLI profile /home/me/.aliyun/config.json'
 */
export function describeProvider(provider: string, env: NodeJS.ProcessEnv, home: string): string {
  const first = provider.split('/')[provider.startsWith('default/') ? 1 : 0];
  switch (first) {
    case 'env':
      return 'environment variables (ALIBABA_CLOUD_ACCESS_KEY_ID, …)';
    case 'oidc_role_arn':
      return 'OIDC role (ALIBABA_CLOUD_ROLE_ARN, …)';
    case 'cli_profile':
      return `Alibaba Cloud CLI profile ${join(home, '.aliyun', 'config.json')}`;
    case 'profile':
      return `credentials file ${env.ALIBABA_CLOUD_CREDENTIALS_FILE || join(home, '.alibabacloud', 'credentials')}`;
    case 'ecs_ram_role':
      return 'ECS RAM role (instance metadata)';
    case 'credential_uri':
      return 'credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)';
    default:
      return provider;
  }
}

function lookedIn(places: string[]): string {
  return `Looked in, in this order:\n${places.map((p) => `  ${p}`).join('\n')}`;
}

/**
 * Finds credentials with the SDK's default chain (environment, OIDC, CLI profile,
 * credentials file, ECS RAM role, URI). Throws CredentialsError naming every place it
 * looked when none has usable credentials, or when the look-up takes longer than
 * `timeoutMs`.
 *
 * @example
 * const { credentials, source } = await resolveCredentials();
 * console.error(`using credentials from ${source}`);
 */
export async function resolveCredentials(options: { timeoutMs?: number } = {}): Promise<ResolvedCredentials> {
  const timeoutMs = options.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  // The SDK reads process.env and the home directory itself.
  const env = process.env;
  const home = homedir();
  const client = new Credential();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
    timer.unref();
  });
  let model: Awaited<ReturnType<CredentialClient['getCredential']>> | 'timed out';
  try {
    model = await Promise.race([client.getCredential(), timedOut]);
  } catch {
    // The SDK's message quotes what it read (a malformed config.json whole), so it is not
    // passed on: the places say what was found instead.
    const places = credentialPlaces(env, home);
    throw new CredentialsError('no_credentials', `no Alibaba Cloud credentials found. ${lookedIn(places)}`, places);
  } finally {
    clearTimeout(timer);
  }
  if (model === 'timed out') {
    const places = credentialPlaces(env, home);
    throw new CredentialsError(
      'credentials_lookup_timed_out',
      `no Alibaba Cloud credentials found within ${timeoutMs / 1000} s (a source did not answer in time). ${lookedIn(places)}`,
      places,
    );
  }
  const provider = model.providerName ?? 'default';
  const source = describeProvider(provider, env, home);
  if (!model.accessKeyId || !model.accessKeySecret) {
    const places = credentialPlaces(env, home);
    throw new CredentialsError('incomplete_credentials', `the credentials from ${source} have no access key pair. ${lookedIn(places)}`, places);
  }
  const credentials: ToolCredentials = {
    accessKeyId: model.accessKeyId,
    accessKeySecret: model.accessKeySecret,
    ...(model.securityToken ? { securityToken: model.securityToken } : {}),
  };
  // Temporary keys are STS.…; without their token every request would be refused.
  if (credentials.accessKeyId.startsWith('STS.') && !credentials.securityToken) {
    const places = credentialPlaces(env, home);
    throw new CredentialsError('incomplete_credentials', `the temporary (STS) access key from ${source} comes without its security token (ALIBABA_CLOUD_SECURITY_TOKEN, or sts_token in a profile)`, places);
  }
  return { credentials, provider, source, client };
}

/** The credentials and where they came from, or the reasons there are none (never a value). */
export type CredentialsResult =
  | { credentials: ToolCredentials; resolved: ResolvedCredentials; problems?: undefined }
  | { credentials?: undefined; resolved?: undefined; problems: string[] };

/**
 * {@link resolveCredentials} for tools that list every missing setting at once
 * (ensure-table, results, smoke): a failed look-up is returned as a list of problems
 * instead of thrown.
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
