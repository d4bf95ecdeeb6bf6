/**
 * The callback's per-instance state: configuration and record store, made on the first
 * request and kept while the credentials stay the same (lib/fc/instance-state.ts); new
 * keys get a new store, and the old one is closed once no callback still uses it.
 */
import { InstanceState } from '../fc/instance-state';
import { RecordStore } from '../store/store';
import { callbackConfigFromEnv, type CallbackConfig } from './config';
import type { ContextCredentials } from '../store/config';

/** What one instance reuses across requests. */
export interface CallbackInstance {
  config: CallbackConfig;
  store: RecordStore;
}

const state = new InstanceState<CallbackInstance>(
  (env, credentials) => {
    const config = callbackConfigFromEnv(env, credentials);
    return { config, store: new RecordStore(config.store) };
  },
  (instance) => instance.store.close(),
);

/**
 * Runs `work` with the instance state for these credentials: the configuration is read
 * and checked on the first call and whenever the credentials differ from the last
 * call's; otherwise everything is reused. The custom runtime serves many callbacks at
 * once, so a store replaced by rotated keys stays open until the callbacks using it
 * end. Throws ConfigError for a missing or malformed setting.
 *
 * @example
 * const answer = await withCallbackInstance(process.env, usableCredentials(context), ({ config, store }) => receiveCallback(request, config, store));
 */
export function withCallbackInstance<R>(env: NodeJS.ProcessEnv, credentials: ContextCredentials | undefined, work: (instance: CallbackInstance) => Promise<R>): Promise<R> {
  return state.use(env, credentials, work);
}

/** Drops the cached state (closing its store), so the next call reads the configuration again. */
export function forgetCallbackInstance(): void {
  state.forget();
}
