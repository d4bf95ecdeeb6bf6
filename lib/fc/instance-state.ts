/**
 * What a function keeps per FC instance (its configuration and clients): built on the
 * first invocation and kept while the credentials stay the same. FC hands an instance
 * the role's temporary STS keys in `context.credentials`, and they rotate; new keys get
 * new state, and the old state is closed, so its keep-alive connections do not linger.
 * Closing is safe because built-in runtimes run one request per instance at a time:
 * nothing else still uses the old state. (A runtime that runs requests concurrently
 * would have to wait for the old state's requests to finish first.)
 */
import { createHash } from 'node:crypto';
import type { FcCredentials } from './context';

/**
 * A digest of the credentials in use: the context's pair when it is usable, else the
 * `ALIBABA_CLOUD_*` variables (the same precedence as the configuration). A digest, so
 * the key itself holds no secret.
 *
 * @example credentialsKey(process.env, usableCredentials(context)) // => 64 hex characters
 */
export function credentialsKey(env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined): string {
  const use = credentials?.accessKeyId && credentials.accessKeySecret;
  const parts = use
    ? [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? '']
    : [env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '', env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '', env.ALIBABA_CLOUD_SECURITY_TOKEN ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * One instance's state, keyed by its credentials.
 *
 * @example
 * const state = new InstanceState((env, credentials) => ({ store: new RecordStore(storeConfigFromEnv(env, credentials)) }), (s) => s.store.close());
 * const { store } = state.get(process.env, usableCredentials(context));
 */
export class InstanceState<T> {
  private current: { key: string; state: T } | undefined;

  constructor(
    private readonly build: (env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined) => T,
    private readonly close: (state: T) => void,
  ) {}

  /**
   * The state for these credentials: built on the first call and whenever the
   * credentials differ from the last call's (the old state is then closed); otherwise
   * the state already built. When building throws (a bad setting), the error is passed
   * on and nothing changes, so the next call tries again.
   */
  get(env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined): T {
    const key = credentialsKey(env, credentials);
    if (this.current?.key === key) return this.current.state;
    const state = this.build(env, credentials);
    this.forget();
    this.current = { key, state };
    return state;
  }

  /** Closes and drops the state, so the next call builds it again. */
  forget(): void {
    if (this.current) this.close(this.current.state);
    this.current = undefined;
  }
}
