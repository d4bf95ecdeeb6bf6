/**
 * The ticket function's per-instance state: its configuration and record store, made on
 * the first request and kept while FC's credentials stay the same. FC hands an
 * instance the role's STS keys, which rotate; new keys mean a new configuration (they
 * sign the policies) and a new store.
 */
import { createHash } from 'node:crypto';
import type { ContextCredentials } from '../store/config';
import { RecordStore } from '../store/store';
import { ticketConfigFromEnv, type TicketConfig } from './config';

/** What one instance reuses across requests. */
export interface TicketInstance {
  config: TicketConfig;
  store: RecordStore;
}

let current: { key: string; instance: TicketInstance } | undefined;

function credentialsKey(env: NodeJS.ProcessEnv, credentials: ContextCredentials | undefined): string {
  const use = credentials?.accessKeyId && credentials.accessKeySecret;
  const parts = use
    ? [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? '']
    : [env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '', env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '', env.ALIBABA_CLOUD_SECURITY_TOKEN ?? ''];
  // A digest, so the cache key itself holds no secret.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The instance state for these credentials. Throws ConfigError for a missing or
 * malformed setting (then every request is answered 500 until it is fixed).
 *
 * @example const { config, store } = ticketInstance(process.env, usableCredentials(context));
 */
export function ticketInstance(env: NodeJS.ProcessEnv, credentials?: ContextCredentials): TicketInstance {
  const key = credentialsKey(env, credentials);
  if (current?.key === key) return current.instance;
  const config = ticketConfigFromEnv(env, credentials);
  current?.instance.store.close();
  current = { key, instance: { config, store: new RecordStore(config.store) } };
  return current.instance;
}
