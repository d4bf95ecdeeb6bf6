/**
 * FC 3.0 asynchronous invocation (API 2023-03-30) with the official SDK,
 * @alicloud/fc20230330: `invokeFunctionWithOptions` with `x-fc-invocation-type: Async`,
 * which sends `POST /2023-03-30/functions/{name}/invocations?qualifier=…` signed with
 * ACS3-HMAC-SHA256 (docs/invoke-api.md explains why this API and not @alicloud/fc2's).
 */
import { Readable } from 'node:stream';
import FcModule, { InvokeFunctionHeaders, InvokeFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import { ReasonedError } from '../../lib/errors';
import type { CredentialClient } from '../../tools/credentials';

// Node's ESM loader hands a CommonJS module's `exports` as the default import; the SDK's
// client class is that object's `default` (compiled `export default`).
const FcClient = (FcModule as unknown as { default?: typeof FcModule }).default ?? FcModule;

/**
 * An invocation FC refused: `status`, and `code`/`requestId` from FC 3.0's error body
 * `{Code, Message, RequestId}` as the SDK parsed it.
 */
export class FcInvokeError extends ReasonedError<'fc_api_error'> {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, details: { status: number; code?: string; requestId?: string; cause?: unknown }) {
    super('fc_api_error', message, { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** What the SDK's errors carry (@alicloud/openapi-core src/exceptions/AlibabaCloudError.ts). */
interface SdkResponseError {
  statusCode: number;
  code?: string;
  requestId?: string;
  data?: { Message?: unknown };
}

function isSdkResponseError(error: unknown): error is SdkResponseError {
  return error instanceof Error && typeof (error as Partial<SdkResponseError>).statusCode === 'number';
}

/** Turns the SDK's answer errors into FcInvokeError; anything else (no answer) as it is. */
function fromSdkError(error: unknown): unknown {
  if (!isSdkResponseError(error)) return error;
  const { statusCode, code, requestId } = error;
  const message = typeof error.data?.Message === 'string' ? error.data.Message : (error as unknown as Error).message;
  const id = requestId && requestId !== 'undefined' ? requestId : undefined;
  return new FcInvokeError(`FC answered ${statusCode}${code && code !== 'undefined' ? ` ${code}` : ''}: ${message}${id ? ` (request id ${id})` : ''}`, {
    status: statusCode,
    code,
    requestId: id,
    cause: error,
  });
}

/** Invokes one function asynchronously; resolves with FC's request id. */
export type AsyncInvoker = (functionName: string, payload: string) => Promise<string | undefined>;

/**
 * An async invoker of the FC 3.0 API at `endpoint` (an http(s) origin: the cloud's
 * `https://<account-id>.<region>.fc.aliyuncs.com` or a local FC host's URL), signing with
 * the SDK credential client (which refreshes temporary keys itself). Rejects with
 * FcInvokeError when FC answers an error.
 *
 * @example
 * const invoke = createAsyncInvoker('https://123.cn-hangzhou.fc.aliyuncs.com', (await resolveCredentials()).client, 30_000);
 * await invoke('oss-upload-uploader', JSON.stringify(job)); // '1-…'
 */
export function createAsyncInvoker(endpoint: string, credential: CredentialClient, timeoutMs: number, qualifier = 'LATEST'): AsyncInvoker {
  const url = new URL(endpoint);
  const client = new FcClient(new $OpenApiUtil.Config({
    // The SDK builds `${protocol}://${endpoint}${pathname}` (@darabonba/typescript core.ts `buildURL`).
    endpoint: url.host,
    protocol: url.protocol.replace(':', ''),
    credential,
    readTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  }));
  return async (functionName, payload) => {
    // 4.7.x reads the body only as a stream (`stream: request.body` in
    // invokeFunctionWithOptions, then `Stream.readAsBytes` in openapi-core's doRequest).
    const request = new InvokeFunctionRequest({ body: Readable.from([Buffer.from(payload, 'utf8')]), qualifier });
    const headers = new InvokeFunctionHeaders({ xFcInvocationType: 'Async' });
    let response;
    try {
      response = await client.invokeFunctionWithOptions(functionName, request, headers, new RuntimeOptions({}));
    } catch (error) {
      throw fromSdkError(error);
    }
    // 202 has no body, but the stream must be read for the connection to be reused.
    response.body?.resume();
    return response.headers?.['x-fc-request-id'];
  };
}
