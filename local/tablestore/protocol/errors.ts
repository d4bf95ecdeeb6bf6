/**
 * Service errors as the emulator answers them: an error code, a message, and the HTTP
 * status the service pairs with that code. Statuses from the Tablestore error-code
 * reference (https://help.aliyun.com/document_detail/27300.html, "错误码参考", and
 * https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes);
 * messages from the service's own answers as the official SDKs' tests assert them
 * (aliyun-tablestore-python-sdk tests: "Condition check failed.", "Requested table does
 * not exist.", "Validate PK name fail. Input: PK2, Meta: PK1.", …).
 */
import { ReasonedError } from '../../../lib/errors';

/** HTTP status for each error code the emulator produces. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  OTSAuthFailed: 403,
  OTSNoPermissionAccess: 403,
  OTSRequestBodyTooLarge: 413,
  OTSRequestTimeout: 408,
  OTSMethodNotAllowed: 405,
  OTSParameterInvalid: 400,
  OTSInvalidPK: 400,
  OTSOutOfColumnCountLimit: 400,
  OTSOutOfRowSizeLimit: 400,
  OTSConditionCheckFail: 403,
  OTSObjectNotExist: 404,
  OTSObjectAlreadyExist: 409,
  OTSRowOperationConflict: 409,
  OTSTableNotReady: 404,
  OTSTooFrequentReservedThroughputAdjustment: 403,
  OTSCapacityUnitExhausted: 403,
  OTSQuotaExhausted: 403,
  OTSInternalServerError: 500,
  OTSServerBusy: 503,
  OTSPartitionUnavailable: 503,
  OTSTimeout: 503,
  OTSServerUnavailable: 503,
};

/** An error the service would answer with; `reason` is the OTS error code. */
export class OtsError extends ReasonedError<string> {
  readonly status: number;

  constructor(code: string, message: string, status?: number) {
    super(code, message);
    this.status = status ?? ERROR_STATUS[code] ?? 500;
  }

  get code(): string {
    return this.reason;
  }
}

/** OTSParameterInvalid (400) with `message`. */
export function parameterInvalid(message: string): OtsError {
  return new OtsError('OTSParameterInvalid', message);
}

/** OTSObjectNotExist (404) for a table that does not exist. */
export function tableNotExist(): OtsError {
  return new OtsError('OTSObjectNotExist', 'Requested table does not exist.');
}

/** OTSConditionCheckFail (403), the answer to a failed row or column condition. */
export function conditionCheckFail(): OtsError {
  return new OtsError('OTSConditionCheckFail', 'Condition check failed.');
}
