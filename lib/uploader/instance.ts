/**
 * The uploader's per-instance state: configuration, record store and OSS clients, made
 * on the first invocation and kept while the credentials stay the same
 * (lib/fc/instance-state.ts); new keys get a new store and new clients.
 */
import { InstanceState } from '../fc/instance-state';
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

const state = new InstanceState<UploaderInstance>(
  (env, credentials) => {
    const config = uploaderConfigFromEnv(env, credentials);
    return { config, store: new RecordStore(config.store), clients: new OssClients(config.oss) };
  },
  (instance) => instance.store.close(),
);

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
  return state.get(env, credentials);
}

/** Drops the cached state (closing its store), so the next call reads the configuration again. */
export function forgetUploaderInstance(): void {
  state.forget();
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
