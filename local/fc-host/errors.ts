import { ReasonedError } from '../../lib/errors';

/** Why the host refused its configuration at start. */
export type FcHostConfigReason = 'invalid_function_spec' | 'duplicate_function' | 'bundle_not_found' | 'reserved_env' | 'env_too_large';

/** Thrown by startFcHost when a function spec cannot be deployed as FC would refuse it. */
export class FcHostConfigError extends ReasonedError<FcHostConfigReason> {}

/** Thrown by FcHost.invoke for a function the host does not serve. */
export class FcFunctionNotFoundError extends ReasonedError<'function_not_found'> {}

/**
 * The JSON body FC's API answers an error with. The docs print `errorCode`/`errorMessage`
 * (https://www.alibabacloud.com/help/en/functioncompute/error-codes), but @alicloud/fc2
 * reads `ErrorCode`/`ErrorMessage` (lib/client.js: `err.code = responseBody.ErrorCode`),
 * which is what the 2016-08-15 API sends; we send that.
 */
export interface FcApiErrorBody {
  ErrorCode: string;
  ErrorMessage: string;
}

/**
 * What FC answers when the function itself fails (unhandled error, timeout, crash):
 * `{errorMessage, errorType, stackTrace}` with `X-Fc-Error-Type: UnhandledInvocationError`
 * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/error-handling-nodejs).
 * Timeouts and crashes carry only `errorMessage`.
 */
export interface FcFunctionErrorBody {
  errorMessage: string;
  errorType?: string;
  stackTrace?: string[];
}
