/**
 * OSS's answers to requests whose signature it refuses.
 *
 * Where they come from (all read 2026-12-02):
 * - EC codes: OSS's per-EC troubleshooting pages, https://help.aliyun.com/en/oss/user-guide/<EC>
 *   (also under https://www.alibabacloud.com/help/en/oss/support/<EC>).
 * - Codes and messages: OSS's "HTTP 403 errors" page
 *   (https://www.alibabacloud.com/help/en/oss/user-guide/http-403-error-code), the
 *   SignatureDoesNotMatch body on the 0002-00000040 page, and the error-response page
 *   (https://help.aliyun.com/document_detail/32005.htm: the EC is sent both as
 *   `<EC>` and as the `x-oss-ec` header).
 * Where a page names the EC but not the XML Code or Message, the comment says which part
 * is our inference; docs/fidelity.md lists them as unverified.
 */
import { OssError } from './errors';

/** OSS refuses requests whose time is further than this from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * A V1-signed request (header or presigned URL) to a bucket that only takes V4: 403, EC
 * 0002-00000080 (https://help.aliyun.com/en/oss/user-guide/0002-00000080: "OSS returns a
 * 403 error when you call an API operation signed with a V1 signature"). That page shows
 * neither Code nor Message: AccessDenied is the code OSS uses for its other 403 refusals
 * of a request it will not authenticate (403 page), and the message is ours.
 */
export function v1NotAllowed(): OssError {
  return new OssError(403, 'AccessDenied', 'V1 signatures are not accepted for this bucket. Sign requests with V4 (OSS4-HMAC-SHA256).', '0002-00000080');
}

/**
 * 403 RequestTimeTooSkewed, EC 0002-00000504 (that page: "the timestamp in your signed
 * request is outside the allowed time window"); the 15 minutes and the message are on
 * the 403 page. RequestTime / ServerTime / MaxAllowedSkewMilliseconds: the browser build
 * of ali-oss reads `ServerTime` from this body to correct its clock
 * (lib/browser/client.js).
 */
export function requestTimeTooSkewed(requestTime: string, now: number): OssError {
  return new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', '0002-00000504', {
    RequestTime: requestTime,
    ServerTime: new Date(now).toISOString(),
    MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
  });
}

/**
 * A signed request without a usable Date / x-oss-date: 403 AccessDenied (OSS's header
 * signature documentation: "头中没有传入Date或者格式不正确，返回403 Forbidden错误。错误码：
 * AccessDenied", as quoted at https://developer.aliyun.com/ask/2590); EC 0002-00000503
 * when the header is missing (that EC's page).
 */
export function missingDate(): OssError {
  return new OssError(403, 'AccessDenied', 'OSS authentication requires a valid Date.', '0002-00000503');
}

/**
 * 403 SignatureDoesNotMatch, EC 0002-00000040, with StringToSign, OSSAccessKeyId and
 * SignatureProvided: the body shown on the 0002-00000040 page (a V1 example; the V4
 * pages say the server "returns a response that contains the StringToSign parameter").
 */
export function signatureDoesNotMatch(stringToSign: string, accessKeyId: string, provided: string): OssError {
  return new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    '0002-00000040',
    { StringToSign: stringToSign, OSSAccessKeyId: accessKeyId, SignatureProvided: provided },
  );
}

/**
 * A malformed Authorization header: 400 InvalidArgument (the same documentation:
 * "若用户请求头中Authorization值的格式不对，返回400 Bad Request。错误码：InvalidArgument").
 * `ec` is the page for the specific defect: 0002-00000208 empty Signature, 0002-00000210
 * an empty name in AdditionalHeaders, 0002-00000212 a bad sign date, 0002-00000213 a bad
 * Credential. The messages are ours.
 */
export function malformedAuthorization(message: string, ec?: string): OssError {
  return new OssError(400, 'InvalidArgument', message, ec, { ArgumentName: 'Authorization' });
}

/**
 * The Credential's region is not this endpoint's: EC 0002-00000228 ("the region in the
 * signature does not match the bucket's actual region"). Code, status and message are
 * inferred from the PostObject twin, EC 0002-00000715 (400 InvalidArgument "The signing
 * region in credential is invalid.", whose page shows the body).
 */
export function invalidSigningRegion(credential: string): OssError {
  return new OssError(400, 'InvalidArgument', 'The signing region in credential is invalid.', '0002-00000228', {
    ArgumentName: 'Authorization',
    ArgumentValue: credential,
  });
}

/**
 * x-oss-content-sha256 other than UNSIGNED-PAYLOAD: EC 0002-00000214 ("Set the
 * x-oss-content-sha256 header to UNSIGNED-PAYLOAD"). 400 InvalidArgument is inferred.
 */
export function invalidContentSha256(value: string): OssError {
  return new OssError(400, 'InvalidArgument', 'The x-oss-content-sha256 header must be UNSIGNED-PAYLOAD.', '0002-00000214', {
    ArgumentName: 'x-oss-content-sha256',
    ArgumentValue: value,
  });
}
