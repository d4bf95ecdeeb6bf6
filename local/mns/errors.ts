/**
 * MNS error responses: status, `Code` and `Message` as MNS returns them, and the error
 * document (`<Error xmlns="http://mns.aliyuncs.com/doc/v1/">` with Code, Message,
 * RequestId, HostId).
 *
 * Codes, statuses and messages come from MNS's error code table
 * (https://www.alibabacloud.com/help/doc-detail/27501.html, error response shape:
 * https://www.alibabacloud.com/help/en/mns/developer-reference/syntax-of-error-responses)
 * and the per-operation "Special Error" tables (CreateQueue, DeleteMessage, …).
 */
import { ReasonedError } from '../../lib/errors';
import { mnsDocument } from './xml';

/** An error the emulator answers with, as MNS would. */
export class MnsError extends ReasonedError<'mns_error'> {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super('mns_error', message);
  }
}

/** Renders the error document for one request. */
export function errorXml(error: MnsError, requestId: string, hostId: string): string {
  return mnsDocument('Error', { Code: error.code, Message: error.message, RequestId: requestId, HostId: hostId });
}

export const invalidAccessKeyId = (): MnsError => new MnsError(403, 'InvalidAccessKeyId', 'The AccessKey Id you provided is not exist.');

export const signatureDoesNotMatch = (): MnsError =>
  new MnsError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

export const missingAuthorizationHeader = (): MnsError => new MnsError(400, 'MissingAuthorizationHeader', 'Authorization header is required.');

export const invalidAuthorizationHeader = (): MnsError => new MnsError(400, 'InvalidAuthorizationHeader', 'The Authorization header format is invalid.');

export const missingDateHeader = (): MnsError => new MnsError(400, 'MissingDateHeader', 'Date header is required.');

export const invalidDateHeader = (): MnsError => new MnsError(400, 'InvalidDateHeader', 'The Date header format is invalid.');

/**
 * A Date more than 15 minutes from the server's clock. The signing guide says such a
 * request is refused (https://help.aliyun.com/document_detail/27487.htm); the error table
 * names the code for it, `TimeExpired`, with status 408.
 */
export const timeExpired = (): MnsError => new MnsError(408, 'TimeExpired', 'The Http request you send is expired.');

export const malformedXml = (): MnsError => new MnsError(400, 'MalformedXML', 'The XML you provided was not well-formed.');

/** A body that parses but is not the document the operation takes. */
export const schemaMismatch = (element: string): MnsError =>
  new MnsError(400, 'InvalidArgument', `The XML you provided did not validate against our published schema, cause by ${element}.`);

/** A number outside its documented range. */
export const outOfRange = (element: string, low: number, high: number, unit: 'seconds' | 'bytes' | 'messages' | ''): MnsError =>
  new MnsError(400, 'InvalidArgument', `The value of ${element} should between ${low} and ${high}${unit ? ` ${unit}` : ''}.`);

export const invalidRequestUrl = (): MnsError => new MnsError(400, 'InvalidRequestURL', 'Http request URL format invalid.');

export const invalidQueryString = (item: string): MnsError =>
  new MnsError(400, 'InvalidQueryString', `Http request URL contains invalid querystring item "${item}".`);

export const missingReceiptHandle = (): MnsError => new MnsError(400, 'MissingReceiptHandle', 'ReceiptHandle is required.');

export const missingVisibilityTimeout = (): MnsError => new MnsError(400, 'MissingVisibilityTimeout', 'VisibilityTimeout is required.');

/** Empty queue after the wait, and a receipt handle whose message became visible again. */
export const messageNotExist = (): MnsError => new MnsError(404, 'MessageNotExist', 'Message not exist.');

export const queueAlreadyExist = (): MnsError => new MnsError(409, 'QueueAlreadyExist', 'The queue you want to create is already exist.');

export const invalidQueueName = (): MnsError =>
  new MnsError(400, 'InvalidQueueName', 'The queue name you provided is not valid: it must start with a letter or digit and contain only letters, digits and "-".');

export const queueNameLengthError = (): MnsError => new MnsError(400, 'QueueNameLengthError', 'The length of queue name should be between 1 and 120.');

export const queueNotExist = (): MnsError => new MnsError(404, 'QueueNotExist', 'The queue name you provided is not exist.');

export const receiptHandleError = (): MnsError => new MnsError(400, 'ReceiptHandleError', 'The receipt handle you provide is not valid.');

export const internalError = (): MnsError => new MnsError(500, 'InternalError', 'Internal error.');
