/**
 * What a function keeps per FC instance (its configuration and clients): built on the
 * first invocation and kept while the credentials stay the same. FC hands an instance
 * the role's temporary STS keys in `context.credentials`, and they rotate; new keys get
 * new state, and the old state is closed, so its keep-alive connections do not linger.
 * A custom runtime runs many requests at once in one instance (the callback's
 * instanceConcurrency), so keys can rotate while requests on the old keys are still
 * waiting on their store: `use()` counts those, and the old state is closed when the
 * last of them ends, never under a request.
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
  private current: Entry<T> | undefined;

  constructor(
    private readonly build: (env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined) => T,
    private readonly close: (state: T) => void,
  ) {}

  /**
   * The state for these credentials: built on the first call and whenever the
   * credentials differ from the last call's (the old state is then retired: closed now,
   * or when the last `use()` of it ends); otherwise the state already built. When
   * building throws (a bad setting), the error is passed on and nothing changes, so the
   * next call tries again. For runtimes that run one request at a time; where requests
   * overlap, `use()`.
   */
  get(env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined): T {
    return this.enter(env, credentials).state;
  }

  /**
   * Runs `work` with the state for these credentials (as `get`), and keeps that state
   * open until `work` settles, even if other requests rotate the keys meanwhile.
   *
   * @example
   * const answer = await state.use(process.env, usableCredentials(context), ({ store }) => store.getRecord(jobId));
   */
  async use<R>(env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined, work: (state: T) => Promise<R> | R): Promise<R> {
    const entry = this.enter(env, credentials);
    entry.inUse += 1;
    try {
      return await work(entry.state);
    } finally {
      entry.inUse -= 1;
      if (entry.retired && entry.inUse === 0) this.close(entry.state);
    }
  }

  /** Retires and drops the state (closed once no `use()` holds it), so the next call builds it again. */
  forget(): void {
    this.retire();
    this.current = undefined;
  }

  private enter(env: NodeJS.ProcessEnv, credentials: Partial<FcCredentials> | undefined): Entry<T> {
    const key = credentialsKey(env, credentials);
    if (this.current?.key === key) return this.current;
    const state = this.build(env, credentials);
    this.retire();
    this.current = { key, state, inUse: 0, retired: false };
    return this.current;
  }

  private retire(): void {
    const entry = this.current;
    if (!entry || entry.retired) return;
    entry.retired = true;
    if (entry.inUse === 0) this.close(entry.state);
  }
}

/** A built state, how many `use()` calls hold it, and whether newer keys replaced it. */
interface Entry<T> {
  key: string;
  state: T;
  inUse: number;
  retired: boolean;
}
