/**
 * The uploader's per-instance state: configuration, record store and OSS clients, made
 * on the first invocation and kept while the credentials stay the same. FC hands an
 * instance temporary STS keys that rotate; new keys get a new store and new clients.
 */
import { createHash } from 'node:crypto';
import { OssClients, type OssObjectClient } from './oss-client';
import { RecordStore } from '../store/store';
import { uploaderConfigFromEnv, type UploaderConfig, type UploaderCredentials } from './config';
import type { ProcessDeps } from './process';

/** What one instance reuses across invocations. */
export interface UploaderInstance {
  config: UploaderConfig;
  store: RecordStore;
  clients: OssClients;
}

let current: { key: string; instance: UploaderInstance } | undefined;

function credentialsKey(env: NodeJS.ProcessEnv, credentials: UploaderCredentials | undefined): string {
  // The same precedence as the configuration: a usable context pair, else the environment.
  const use = credentials?.accessKeyId && credentials.accessKeySecret;
  const parts = use
    ? [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? '']
    : [env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '', env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '', env.ALIBABA_CLOUD_SECURITY_TOKEN ?? ''];
  // A digest, so the cache key itself holds no secret.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The instance state for these credentials: the configuration is read and checked on
 * the first call and whenever the credentials differ from the last call's (the old
 * store's idle connections are then closed); otherwise everything is reused. Throws
 * ConfigError for a missing or malformed setting.
 *
 * @example
 * const { config, store, clients } = uploaderInstance(process.env, usableCredentials(context));
 */
export function uploaderInstance(env: NodeJS.ProcessEnv, credentials?: UploaderCredentials): UploaderInstance {
  const key = credentialsKey(env, credentials);
  if (current?.key === key) return current.instance;
  const config = uploaderConfigFromEnv(env, credentials);
  // Built-in runtimes run one request per instance at a time: nothing else uses the old store.
  forgetUploaderInstance();
  const instance: UploaderInstance = { config, store: new RecordStore(config.store), clients: new OssClients(config.oss) };
  current = { key, instance };
  return instance;
}

/** Drops the cached state (closing its store), so the next call reads the configuration again. */
export function forgetUploaderInstance(): void {
  current?.instance.store.close();
  current = undefined;
}

/**
 * The dependencies of {@link processDeliveries} for an instance.
 *
 * @example await processDeliveries(deliveries, processDepsFor(instance, context.requestId));
 */
export function processDepsFor(instance: UploaderInstance, requestId?: string, ossFor?: (bucket: string) => OssObjectClient): ProcessDeps {
  const { config } = instance;
  return {
    store: instance.store,
    concurrency: config.concurrency,
    ...(requestId ? { requestId } : {}),
    upload: {
      ossFor: ossFor ?? ((bucket) => instance.clients.forBucket(bucket)),
      settings: config.upload,
      defaultBucket: config.defaultBucket,
      callbackUrl: config.callbackUrl,
      tokenSecrets: config.tokenSecrets,
    },
  };
}
