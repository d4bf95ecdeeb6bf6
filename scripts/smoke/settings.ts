/**
 * Everything `npm run smoke` needs from the environment, checked together so every
 * missing setting is named at once: where to send (submit's destinations, same
 * variables and defaults), where records are (the functions' TABLESTORE_*), and how to
 * reach OSS to remove the probe objects.
 */
import { storeConfigFromEnv, type StoreConfig } from '../../lib/store/config';
import { ConfigError } from '../../lib/errors';
import type { OssClientConfig } from '../../lib/uploader/oss-client';
import { parseSubmitArgs, type SubmitArgs } from '../submit/args';
import { resolveDestination, type InvokeDestination, type QueueDestination } from '../submit/settings';
import { SettingsError } from '../../tools/settings-error';
import { resolveToolCredentials, type ResolvedCredentials } from '../../tools/credentials';
import type { SmokeArgs } from './args';

export interface SmokeSettings {
  queue: QueueDestination;
  invoke: InvokeDestination;
  store: StoreConfig;
  oss: OssClientConfig;
  /** The tools' credentials (the SDKs' default chain), for submit's senders. */
  credentials: ResolvedCredentials;
}

/** s.yaml's names, read by the caller from the file (submit does the same). */
export interface SYamlDefaults {
  functionName?: string;
  queue?: string;
}

const OSS_TIMEOUT_MS = 30_000;

function destination<T>(args: SubmitArgs, env: NodeJS.ProcessEnv, defaults: SYamlDefaults, problems: string[]): T | undefined {
  try {
    return resolveDestination(args, env, defaults) as T;
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    for (const p of err.problems) if (!problems.includes(p)) problems.push(p);
    return undefined;
  }
}

/**
 * The smoke test's settings, or SettingsError naming every problem.
 *
 * OSS: the region is OSS_REGION (`oss-cn-hangzhou`, as s.yaml sets the uploader's), or
 * `oss-<FC_REGION>`; OSS_ENDPOINT, when set, is where requests go (the local stack).
 * OSS's V4 signatures are computed for a region, so one is always required.
 */
export async function resolveSmokeSettings(env: NodeJS.ProcessEnv, args: SmokeArgs, defaults: SYamlDefaults): Promise<SmokeSettings> {
  const problems: string[] = [];
  const queueArgs = parseSubmitArgs(['-', '--via', 'queue']) as SubmitArgs;
  const invokeArgs = { ...(parseSubmitArgs(['-', '--via', 'invoke']) as SubmitArgs), api: args.api };
  const queue = destination<QueueDestination>(queueArgs, env, defaults, problems);
  const invoke = destination<InvokeDestination>(invokeArgs, env, defaults, problems);

  const storeMissing = ['TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE'].filter((n) => !env[n]?.trim()).map((n) => `${n} is not set (where the records are, as the functions have it)`);
  problems.push(...storeMissing);
  const resolved = await resolveToolCredentials();
  if (resolved.problems) for (const p of resolved.problems) if (!problems.includes(p)) problems.push(p);

  const ossRegion = env.OSS_REGION?.trim() || (env.FC_REGION?.trim() ? `oss-${env.FC_REGION.trim()}` : undefined);
  if (!ossRegion) problems.push('OSS_REGION is not set (the bucket\'s region, e.g. oss-cn-hangzhou; or set FC_REGION)');
  const ossEndpoint = env.OSS_ENDPOINT?.trim() || undefined;

  let store: StoreConfig | undefined;
  if (storeMissing.length === 0 && resolved.credentials) {
    try {
      store = storeConfigFromEnv(env, resolved.credentials);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0 || !queue || !invoke || !store || !resolved.resolved || !ossRegion) throw new SettingsError('missing_settings', problems);
  return {
    queue,
    invoke,
    store,
    credentials: resolved.resolved,
    oss: { region: ossRegion, ...(ossEndpoint ? { endpoint: ossEndpoint } : {}), credentials: resolved.credentials, timeoutMs: OSS_TIMEOUT_MS, secure: true },
  };
}
