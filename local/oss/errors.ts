/**
 * OSS error responses: the status, `Code`, `Message` and `EC` that OSS returns, and the
 * XML document it writes them in (Code, Message, RequestId, HostId, extra fields, EC,
 * RecommendDoc — the shape OSS's Go SDK v2 test fixtures show for real responses).
 */
import type { XmlNode } from '../xml';
import { xmlDocument } from './xml';

/** An error the emulator answers with, as OSS would. */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** OSS's EC code, when we know the one OSS uses for this case. */
    readonly ec?: string,
    /** Extra elements OSS adds (Key, BucketName, UploadId, StringToSign, …). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OssError';
  }

  /** Response headers sent along with the error (a 203 still carries the object's ETag). */
  headers: Record<string, string | number> = {};

  /** Adds response headers; returns this error. */
  withHeaders(headers: Record<string, string | number>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }
}

/** Renders an error document for one request. */
export function errorXml(error: OssError, requestId: string, hostId: string): string {
  const body: XmlNode = { Code: error.code, Message: error.message, RequestId: requestId, HostId: hostId, ...error.details };
  if (error.ec) {
    body.EC = error.ec;
    body.RecommendDoc = `https://api.aliyun.com/troubleshoot?q=${error.ec}`;
  }
  return xmlDocument('Error', body);
}

// The errors below carry OSS's own messages and EC codes; the EC codes are the ones
// asserted against the live service in aliyun/alibabacloud-oss-go-sdk-v2's tests.

export const noSuchBucket = (bucket: string): OssError =>
  new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', '0015-00000101', { BucketName: bucket });

export const noSuchKey = (key: string): OssError =>
  new OssError(404, 'NoSuchKey', 'The specified key does not exist.', '0026-00000001', { Key: key });

/** `ec` differs by operation: 0042-00000104 for UploadPart, 0042-00000002 for ListParts/Abort. */
export const noSuchUpload = (uploadId: string, ec?: string): OssError =>
  new OssError(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ec,
    { UploadId: uploadId },
  );

export const invalidArgument = (message: string, name: string, value: string, ec?: string): OssError =>
  new OssError(400, 'InvalidArgument', message, ec, { ArgumentName: name, ArgumentValue: value });

export const notImplemented = (what: string): OssError =>
  new OssError(501, 'NotImplemented', `${what} is not supported by the local OSS emulator.`);
