/**
 * The `context` object FC 3.0 built-in runtimes (nodejs20) pass as a handler's second
 * argument. Field names follow the FC Node.js context documentation
 * (https://www.alibabacloud.com/help/en/functioncompute/context) and the shape the
 * honojs/hono `alibaba-cloud-fc3` adapter types.
 */

/**
 * Temporary STS credentials of the function's role. Without a role FC still passes the
 * object, with empty strings, so treat an empty `accessKeyId` as "no credentials".
 */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The function being run, as configured. */
export interface FcFunctionInfo {
  name: string;
  /** `file.export`, e.g. `index.handler`. */
  handler: string;
  /** Memory size in MB. */
  memory: number;
  /** Timeout in seconds. */
  timeout: number;
}

/** FC 2.0 service information; FC 3.0 has no services but still fills some fields. */
export interface FcServiceInfo {
  name?: string;
  logProject?: string;
  logStore?: string;
  qualifier?: string;
  versionId?: string;
}

/** Console-like logger whose lines FC prefixes with time, request id and level. */
export interface FcLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  log(...args: unknown[]): void;
}

/** The handler context of an FC 3.0 built-in runtime. */
export interface FcContext {
  requestId: string;
  /** Absent or empty when the function has no role (docs/architecture.md#function-compute). */
  credentials?: Partial<FcCredentials>;
  function: FcFunctionInfo;
  service?: FcServiceInfo;
  region: string;
  accountId: string;
  logger: FcLogger;
}

/**
 * The context's credentials when they are usable (a non-empty key id and secret), else
 * undefined, so callers can fall back to the environment in one expression.
 *
 * @example
 * const creds = usableCredentials(context) ?? credentialsFromEnv(process.env);
 */
export function usableCredentials(context: Pick<FcContext, 'credentials'>): FcCredentials | undefined {
  const c = context.credentials;
  if (!c || !c.accessKeyId || !c.accessKeySecret) return undefined;
  return {
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.accessKeySecret,
    ...(c.securityToken ? { securityToken: c.securityToken } : {}),
  };
}
