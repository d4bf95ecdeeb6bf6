import { ConfigError } from '../errors';
import { optionalSetting, requiredSetting } from '../settings';

/** Settings of the Tablestore results store, read and checked once at start. */
export interface StoreConfig {
  /** `https://<instance>.<region>.ots.aliyuncs.com`, or the local emulator's `http://127.0.0.1:<port>`. */
  endpoint: string;
  instance: string;
  /** Table of job records; `upload_results` unless configured. */
  table: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /**
   * Deadline of every store call (all its attempts and back-offs together), and the
   * socket timeout of each request. Default 3000: the callback function must answer
   * OSS within 5 s, so a store that is down must fail well before that.
   */
  timeoutMs?: number;
  /** Attempts per request when Tablestore throttles or is briefly unavailable. Default 4. */
  maxAttempts?: number;
}

/** Default table name (docs/architecture.md#configuration). */
export const DEFAULT_TABLE = 'upload_results';
export const DEFAULT_TIMEOUT_MS = 3000;
export const DEFAULT_MAX_ATTEMPTS = 4;

export { ConfigError } from '../errors';

/** Temporary credentials as FC hands them over in `context.credentials` (may be empty). */
export interface ContextCredentials {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}

// Naming rules: https://www.alibabacloud.com/help/en/tablestore/support/what-are-the-naming-conventions-of-tables-columns-and-instances
// Instance: letters, digits, hyphens; starts with a letter, does not end with a hyphen; 3–16 characters.
const INSTANCE_NAME = /^[A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9]$/;
// Table: letters, digits, underscores; starts with a letter or underscore; 1–255 characters.
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/**
 * Builds the store configuration from the environment and, when the function has a
 * role, the FC context's temporary credentials, which win over the
 * `ALIBABA_CLOUD_ACCESS_KEY_*` variables. Throws ConfigError naming the first missing
 * or malformed setting.
 *
 * @example
 * const config = storeConfigFromEnv(process.env, context.credentials);
 * const store = new RecordStore(config);
 */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv, credentials?: ContextCredentials): StoreConfig {
  return { ...storeLocationFromEnv(env), credentials: pickCredentials(env, credentials) };
}

/**
 * The store settings other than credentials (endpoint, instance, table, limits), read and
 * checked the same way; for tools that find credentials elsewhere. Throws ConfigError.
 *
 * @example
 * const location = storeLocationFromEnv(process.env); // before looking for credentials
 * const store = new RecordStore({ ...location, credentials });
 */
export function storeLocationFromEnv(env: NodeJS.ProcessEnv): Omit<StoreConfig, 'credentials'> {
  const endpoint = requiredSetting(env, 'TABLESTORE_ENDPOINT');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError('bad_setting', 'TABLESTORE_ENDPOINT', 'TABLESTORE_ENDPOINT is not a URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'bad_setting',
      'TABLESTORE_ENDPOINT',
      'TABLESTORE_ENDPOINT must be an http(s) origin such as https://myinstance.cn-hangzhou.ots.aliyuncs.com (no user info, path or query)',
    );
  }

  const instance = requiredSetting(env, 'TABLESTORE_INSTANCE');
  if (!INSTANCE_NAME.test(instance)) {
    throw new ConfigError(
      'bad_setting',
      'TABLESTORE_INSTANCE',
      `TABLESTORE_INSTANCE must be 3-16 letters, digits or hyphens starting with a letter and not ending with a hyphen`,
    );
  }

  const table = optionalSetting(env, 'TABLESTORE_TABLE') ?? DEFAULT_TABLE;
  if (!TABLE_NAME.test(table)) {
    throw new ConfigError(
      'bad_setting',
      'TABLESTORE_TABLE',
      `TABLESTORE_TABLE must be 1-255 letters, digits or underscores not starting with a digit`,
    );
  }

  return {
    endpoint: url.origin,
    instance,
    table,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
  };
}

function pickCredentials(env: NodeJS.ProcessEnv, context: ContextCredentials | undefined): StoreConfig['credentials'] {
  // FC passes a credentials object even without a role, with empty strings: only a
  // complete pair counts as "the context has credentials".
  if (context?.accessKeyId && context.accessKeySecret) {
    return {
      accessKeyId: context.accessKeyId,
      accessKeySecret: context.accessKeySecret,
      ...(context.securityToken ? { securityToken: context.securityToken } : {}),
    };
  }
  const accessKeyId = requiredSetting(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = requiredSetting(env, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const securityToken = optionalSetting(env, 'ALIBABA_CLOUD_SECURITY_TOKEN');
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

