import type { IncomingMessage } from 'node:http';
import { verifyAcs3Request, type Acs3Key } from './acs3-signature';
import type { HttpAnswer } from './http-trigger';
import { decodePath, runInvocation, type InvokeApiDeps } from './invoke-api';
import { headerText } from '../serve';

/**
 * FC 3.0's InvokeFunction (API version 2023-03-30), the API that reaches functions made by
 * the fc3 component: `POST /2023-03-30/functions/{functionName}/invocations[?qualifier=…]`
 * (https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-invokefunction),
 * as @alicloud/fc20230330 sends it (`invokeFunctionWithOptions`: that path, `x-acs-action:
 * InvokeFunction`, `x-acs-version: 2023-03-30`), signed with ACS3-HMAC-SHA256
 * (acs3-signature.ts). After authentication it behaves as the 2016-08-15 route does
 * (runInvocation): sync result, 202 for async, X-Fc-Error-Type for a failed function.
 *
 * Errors use FC 3.0's body `{Code, Message, RequestId}` — the SDK's Error model
 * (@alicloud/fc20230330 src/models/Error.ts maps code/message/requestId to exactly these
 * names) and what its client reads (@alicloud/openapi-core src/client.ts `doRequest`:
 * `err["Code"]`, `err["Message"]`, `err["RequestId"]`) — with the codes and statuses of
 * FC's error code table (https://help.aliyun.com/zh/fc/developer-reference/error-codes).
 */

/** The API version of FC 3.0. */
export const FC3_API_VERSION = '2023-03-30';

/** Paths this module answers: everything under the 2023-03-30 version prefix. */
export const V3_PATH_PREFIX = `/${FC3_API_VERSION}/`;

const INVOKE_PATH_V3 = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;

/** FC 3.0's error body. */
export interface FcV3ErrorBody {
  Code: string;
  Message: string;
  RequestId: string;
}

/** An error answer in FC 3.0's shape. */
export function apiErrorV3(status: number, code: string, message: string, requestId: string): HttpAnswer {
  const body: FcV3ErrorBody = { Code: code, Message: message, RequestId: requestId };
  return { status, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * Answers one request under `/2023-03-30/` whose body has been read (at most the sync
 * limit + 1 bytes). The caller adds `X-Fc-Request-Id`.
 */
export async function answerApiRequestV3(req: IncomingMessage, body: Buffer, requestId: string, deps: InvokeApiDeps): Promise<HttpAnswer> {
  const url = req.url ?? '/';
  const key: Acs3Key = { accessKeyId: deps.accessKeyId, accessKeySecret: deps.accessKeySecret, ...(deps.securityToken !== undefined ? { securityToken: deps.securityToken } : {}) };
  const refused = verifyAcs3Request({ method: req.method ?? '', url, headers: req.headers, body }, key);
  if (refused) return apiErrorV3(refused.status, refused.code, refused.message, requestId);
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).split('/').map((segment) => decodePath(segment)).join('/');
  const match = INVOKE_PATH_V3.exec(path);
  if (!match || req.method !== 'POST') return apiErrorV3(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`, requestId);
  const action = headerText(req.headers, 'x-acs-action');
  const version = headerText(req.headers, 'x-acs-version');
  if (action !== 'InvokeFunction' || version !== FC3_API_VERSION) {
    return apiErrorV3(400, 'InvalidArgument', `x-acs-action '${action}' of version '${version}' does not match ${req.method} ${path} (InvokeFunction, ${FC3_API_VERSION})`, requestId);
  }
  const fn = match[1];
  // Versions and aliases are not emulated: any qualifier (LATEST by default) runs the one function.
  if (!deps.hasFunction(fn)) return apiErrorV3(404, 'FunctionNotFound', `function '${fn}' does not exist`, requestId);
  return runInvocation(req, fn, body, requestId, deps, (status, code, message) => apiErrorV3(status, code, message, requestId));
}
