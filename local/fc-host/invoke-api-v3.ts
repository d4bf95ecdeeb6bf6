import type { IncomingMessage } from 'node:http';
import {
  canonicalQueryV3,
  canonicalUriV3,
  parseAuthorizationV3,
  sha256Hex,
  signableHeaderNames,
  signaturesEqualV3,
  signPartsV3,
  type V3Query,
} from '../../lib/fc/signature-v3';
import { FC3_API_VERSION } from '../../lib/fc/invoke-v3';
import type { HttpAnswer } from './http-trigger';
import { runInvocation, type InvokeApiDeps } from './invoke-api';

/**
 * FC 3.0's InvokeFunction (API version 2023-03-30), the API that reaches functions made by
 * the fc3 component: `POST /2023-03-30/functions/{functionName}/invocations[?qualifier=…]`
 * (https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-invokefunction),
 * signed with ACS3-HMAC-SHA256 (lib/fc/signature-v3.ts). After authentication it behaves
 * as the 2016-08-15 route does (runInvocation): sync result, 202 for async,
 * X-Fc-Error-Type for a failed function.
 *
 * Errors use FC 3.0's body `{Code, Message, RequestId}`
 * (https://help.aliyun.com/zh/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-error)
 * with the codes and statuses of FC's error code table
 * (https://www.alibabacloud.com/help/en/functioncompute/error-codes).
 */

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

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The raw query string as parameters (no `+`-as-space: V3 clients encode a space as %20). */
function parseQuery(raw: string): V3Query {
  const query: Record<string, string[]> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    (query[name] ??= []).push(eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return query;
}

/** Headers a V3 request must carry (the V3 document's common request headers). */
const REQUIRED_HEADERS = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your access key and signing method';

/** Checks the V3 signature; undefined when good, else the error answer. */
function checkSignatureV3(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer, requestId: string, deps: InvokeApiDeps): HttpAnswer | undefined {
  const authorization = header(req, 'authorization');
  if (authorization === undefined) return apiErrorV3(400, 'MissingRequiredHeader', 'required HTTP header Authorization was not specified', requestId);
  for (const name of REQUIRED_HEADERS) {
    if (header(req, name) === undefined) return apiErrorV3(400, 'MissingRequiredHeader', `required HTTP header ${name} was not specified`, requestId);
  }
  const auth = parseAuthorizationV3(authorization);
  // The 2016-08-15 `FC id:sig` scheme is refused here: no source says the 2023-03-30 API
  // accepts it (docs/invoke-api.md, "Not verified").
  if (!auth) return apiErrorV3(403, 'SignatureNotMatch', `${MISMATCH} (expected ACS3-HMAC-SHA256)`, requestId);
  // The key id is echoed as FC does; the secret and signatures never are.
  if (auth.accessKeyId !== deps.accessKeyId) return apiErrorV3(403, 'InvalidAccessKeyID', `invalid access key ID '${auth.accessKeyId}'`, requestId);
  // "All common request headers except Authorization must be signed if present" (V3 doc):
  // an unsigned host or x-acs-* header could be changed on the way.
  const unsigned = signableHeaderNames(req.headers).filter((name) => name !== 'content-type' && !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) return apiErrorV3(403, 'SignatureNotMatch', `${MISMATCH} (header ${unsigned.join(', ')} is not signed)`, requestId);
  const payloadHash = sha256Hex(body);
  if ((header(req, 'x-acs-content-sha256') ?? '').toLowerCase() !== payloadHash) {
    return apiErrorV3(403, 'SignatureNotMatch', `${MISMATCH} (x-acs-content-sha256 does not match the body)`, requestId);
  }
  const expected = signPartsV3(
    {
      method: req.method ?? '',
      // Re-encode what arrived, so `%7E` and `~` compare equal, as the canonical form intends.
      canonicalUri: canonicalUriV3(rawPath.split('/').map(decode).join('/')),
      canonicalQuery: canonicalQueryV3(parseQuery(rawQuery)),
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
    },
    deps.accessKeySecret,
  );
  if (!signaturesEqualV3(expected, auth.signature)) return apiErrorV3(403, 'SignatureNotMatch', MISMATCH, requestId);
  return undefined;
}

/**
 * Answers one request under `/2023-03-30/` whose body has been read (at most the sync
 * limit + 1 bytes). The caller adds `X-Fc-Request-Id`.
 */
export async function answerApiRequestV3(req: IncomingMessage, body: Buffer, requestId: string, deps: InvokeApiDeps): Promise<HttpAnswer> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);

  const refused = checkSignatureV3(req, rawPath, rawQuery, body, requestId, deps);
  if (refused) return refused;
  const path = rawPath.split('/').map(decode).join('/');
  const match = INVOKE_PATH_V3.exec(path);
  if (!match || req.method !== 'POST') return apiErrorV3(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`, requestId);
  const action = header(req, 'x-acs-action');
  const version = header(req, 'x-acs-version');
  if (action !== 'InvokeFunction' || version !== FC3_API_VERSION) {
    return apiErrorV3(400, 'InvalidArgument', `x-acs-action '${action}' of version '${version}' does not match ${req.method} ${path} (InvokeFunction, ${FC3_API_VERSION})`, requestId);
  }
  const fn = match[1];
  // Versions and aliases are not emulated: any qualifier (LATEST by default) runs the one function.
  if (!deps.hasFunction(fn)) return apiErrorV3(404, 'FunctionNotFound', `function '${fn}' does not exist`, requestId);
  return runInvocation(req, fn, body, requestId, deps, (status, code, message) => apiErrorV3(status, code, message, requestId));
}
