/**
 * The errors PostObject answers with, as OSS words them. Sources (read 2026-12-02):
 * - "PostObject common errors"
 *   (https://www.alibabacloud.com/help/en/oss/how-to-handle-common-errors-when-the-postobject-operation-is-called):
 *   MalformedPOSTRequest "The body of your POST request is not well-formed
 *   multipart/form-data"; InvalidAccessKeyId; AccessDenied "Invalid according to Policy:
 *   Policy expired."; the signature mismatch message.
 * - EC pages: 0006-00000227 (AccessDenied, "Invalid according to Policy: Policy Condition
 *   failed: [\"eq\", \"$success_action_status\", \"200\"]"), 0006-00000003 (object larger
 *   than 5 GB or than content-length-range allows), 0006-00000004 (smaller than
 *   content-length-range allows), 0006-00000207 (policy without conditions),
 *   0006-00000219 / 0006-00000221 (bad content-length-range), 0006-00000224 (a condition
 *   value of the wrong type), 0002-00000703 / 0002-00000704 (x-oss-signature missing /
 *   empty), 0002-00000710 (x-oss-credential malformed):
 *   https://www.alibabacloud.com/help/en/oss/user-guide/<EC>.
 * - The OSS error code list (developer.aliyun.com/ask/2657): EntityTooLarge and
 *   EntityTooSmall 400, FieldItemTooLong 400 (a field other than file over 4 KB),
 *   IncorrectNumberOfFilesInPOSTRequest 400 (exactly one file field).
 * Where a page gives the cause and EC but not the code or the exact message, the code and
 * message here are our best reading and are listed as unverified in the README.
 */
import { OssError } from '../errors';

export const malformedPost = (): OssError => new OssError(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');

export const fieldTooLong = (name: string): OssError =>
  new OssError(400, 'FieldItemTooLong', 'Your POST request fields preceding the upload file was too large.', undefined, { FieldName: name });

export const wrongFileCount = (): OssError => new OssError(400, 'IncorrectNumberOfFilesInPOSTRequest', 'POST requires exactly one file upload per request.');

export const entityTooLarge = (): OssError => new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', '0006-00000003');

export const entityTooSmall = (): OssError => new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', '0006-00000004');

export const policyExpired = (): OssError => new OssError(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');

export const conditionFailed = (condition: string): OssError =>
  new OssError(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${condition}`, '0006-00000227');

export const invalidPolicy = (message: string, ec?: string): OssError => new OssError(400, 'InvalidPolicyDocument', `Invalid Policy: ${message}`, ec);

export const signatureMismatch = (): OssError =>
  new OssError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

export const invalidFormArgument = (message: string, name: string, value: string, ec?: string): OssError =>
  new OssError(400, 'InvalidArgument', message, ec, { ArgumentName: name, ArgumentValue: value.length > 256 ? `${value.slice(0, 256)}…` : value });

export const accessDenied = (message: string): OssError => new OssError(403, 'AccessDenied', message);
