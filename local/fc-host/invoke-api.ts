import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FcApiErrorBody, FcFunctionErrorBody } from './errors';
import type { HttpAnswer } from './http-trigger';
import { parseAuthorization, sign, signaturesEqual, stringToSign } from './signature';
import { headerText } from '../serve';

/**
 * FC's InvokeFunction API as @alicloud/fc2 speaks it (2016-08-15):
 * `POST /2016-08-15/services/{service}[.{qualifier}]/functions/{function}/invocations`,
 * signed (signature.ts). Error codes, statuses and messages follow FC's error code table
 * (https://www.alibabacloud.com/help/en/functioncompute/error-codes).
 */

/**
 * Payload limits of an invocation: 32 MB synchronous, 128 KB asynchronous (FC's
 * EntityTooLarge FAQ, https://www.alibabacloud.com/help/doc-detail/2527064.html, read 2026-12-02).
 */
export const SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;

const INVOKE_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;

/** What the API needs from the host. */
export interface InvokeApiDeps {
  accessKeyId: string;
  accessKeySecret: string;
  /** Set when the key pair is temporary (STS): requests must carry this token. */
  securityToken?: string;
  service: string;
  hasFunction(name: string): boolean;
  newRequestId(): string;
  runSync(fn: string, event: Buffer, requestId: string): Promise<SyncRun>;
  enqueueAsync(fn: string, event: Buffer, requestId: string): void;
}

/** A finished sync run, as the API reports it. */
export interface SyncRun {
  ok: boolean;
  payload: Buffer;
  error?: FcFunctionErrorBody;
  durationMs: number;
  maxRssBytes: number;
  logs: string[];
}

/** An API error answer: JSON `{ErrorCode, ErrorMessage}` (see errors.ts for the casing). */
export function apiError(status: number, code: string, message: string): HttpAnswer {
  const body: FcApiErrorBody = { ErrorCode: code, ErrorMessage: message };
  return { status, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

/** Checks the request's signature; undefined when it is good, else the error answer. */
function checkSignature(req: IncomingMessage, path: string, deps: InvokeApiDeps): HttpAnswer | undefined {
  const authorization = headerText(req.headers, 'authorization');
  if (authorization === undefined) return apiError(400, 'MissingRequiredHeader', 'required HTTP header Authorization was not specified');
  if (headerText(req.headers, 'date') === undefined) return apiError(400, 'MissingRequiredHeader', 'required HTTP header Date was not specified');
  const auth = parseAuthorization(authorization);
  const mismatch = 'The request signature we calculated does not match the signature you provided. Check your access key and signing method';
  if (!auth) return apiError(403, 'SignatureNotMatch', mismatch);
  // The key id is echoed as FC does; the secret and signatures never are.
  if (auth.accessKeyId !== deps.accessKeyId) return apiError(403, 'InvalidAccessKeyID', `invalid access key ID '${auth.accessKeyId}'`);
  const expected = sign(stringToSign(req.method ?? '', path, req.headers), deps.accessKeySecret);
  if (!signaturesEqual(expected, auth.signature)) return apiError(403, 'SignatureNotMatch', mismatch);
  if (deps.securityToken !== undefined) {
    // @alicloud/fc2 sends the STS token as x-fc-security-token (lib/client.js `buildHeaders`),
    // which the x-fc-* part of the string to sign covers. FC's error table has no code for
    // a bad token; AccessDenied is its catch-all for refused callers (not verified, README.md).
    const token = headerText(req.headers, 'x-fc-security-token');
    if (token === undefined || !signaturesEqual(token, deps.securityToken)) {
      return apiError(403, 'AccessDenied', `the security token of temporary access key '${auth.accessKeyId}' is missing or wrong`);
    }
  }
  return undefined;
}

/**
 * fc2 sends `Content-MD5` as Base64 of the *hex* MD5 digest (lib/client.js:
 * `Buffer.from(kitx.md5(buff, 'hex')).toString('base64')`); it is signed, so a body that
 * does not match it was altered on the way.
 */
function checkContentMd5(req: IncomingMessage, body: Buffer): HttpAnswer | undefined {
  const sent = headerText(req.headers, 'content-md5');
  if (sent === undefined) return undefined;
  const hex = createHash('md5').update(body).digest('hex');
  if (sent === Buffer.from(hex).toString('base64') || sent === createHash('md5').update(body).digest('base64')) return undefined;
  return apiError(400, 'InvalidArgument', 'Content-MD5 does not match the request body');
}

/** A request path percent-decoded once; as it came when it is not valid percent-encoding. */
export function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/**
 * Answers one API request whose body has been read (at most SYNC_PAYLOAD_LIMIT + 1
 * bytes: one more means too large). The request id goes in `X-Fc-Request-Id` (the caller
 * adds it); sync results come back with FC's result headers.
 */
export async function answerApiRequest(req: IncomingMessage, body: Buffer, requestId: string, deps: InvokeApiDeps): Promise<HttpAnswer> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = decodePath(q < 0 ? url : url.slice(0, q));

  const refused = checkSignature(req, path, deps);
  if (refused) return refused;
  const match = INVOKE_PATH.exec(path);
  if (!match || req.method !== 'POST') return apiError(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`);
  const md5Refusal = checkContentMd5(req, body);
  if (md5Refusal) return md5Refusal;

  // `service.qualifier` (LATEST, a version or alias) addresses the same local function.
  const service = match[1].split('.')[0];
  const fn = match[2];
  if (service !== deps.service) return apiError(404, 'ServiceNotFound', `service '${service}' does not exist`);
  if (!deps.hasFunction(fn)) return apiError(404, 'FunctionNotFound', `function '${fn}' does not exist in service '${service}'`);

  return runInvocation(req, fn, body, requestId, deps, apiError);
}

/** Builds an API error answer in the body shape of the API version being answered. */
export type ApiErrorAnswer = (status: number, code: string, message: string) => HttpAnswer;

/**
 * Runs an authenticated invocation of an existing function: the part both API versions
 * (2016-08-15 here, 2023-03-30 in invoke-api-v3.ts) share — invocation type, payload
 * limits, 202 for async, the sync result with FC's result headers.
 */
export async function runInvocation(req: IncomingMessage, fn: string, body: Buffer, requestId: string, deps: InvokeApiDeps, error: ApiErrorAnswer): Promise<HttpAnswer> {
  const invocationType = (headerText(req.headers, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
  if (invocationType !== 'sync' && invocationType !== 'async') {
    return error(400, 'InvalidArgument', `invalid invocation type '${headerText(req.headers, 'x-fc-invocation-type')}'`);
  }
  const limit = invocationType === 'async' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
  if (body.length > limit) return error(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${limit} bytes)`);

  if (invocationType === 'async') {
    deps.enqueueAsync(fn, body, requestId);
    return { status: 202, headers: {}, body: Buffer.alloc(0) };
  }

  const run = await deps.runSync(fn, body, requestId);
  const headers: Record<string, string> = {
    'X-Fc-Invocation-Duration': String(run.durationMs),
    'X-Fc-Max-Memory-Usage': (run.maxRssBytes / (1024 * 1024)).toFixed(2),
  };
  // `X-Fc-Log-Type: Tail` asks for the invocation's last 4 KB of log, Base64, in X-Fc-Log-Result.
  if ((headerText(req.headers, 'x-fc-log-type') ?? '').toLowerCase() === 'tail') {
    const tail = Buffer.from(run.logs.join('\n'));
    headers['X-Fc-Log-Result'] = tail.subarray(Math.max(0, tail.length - 4096)).toString('base64');
  }
  if (!run.ok) {
    // A function error is still a 2xx: the caller learns of it from X-Fc-Error-Type
    // (error-handling docs: "X-Fc-Error-Type: UnhandledInvocationError"), and fc2's own
    // tests (aliyun/fc-nodejs-sdk test/client.test.js, "invokeFunction with unhandled
    // error") expect it not to throw and to parse the error JSON.
    return {
      status: 200,
      headers: { ...headers, 'Content-Type': 'application/json', 'X-Fc-Error-Type': 'UnhandledInvocationError' },
      body: Buffer.from(JSON.stringify(run.error ?? { errorMessage: 'unknown error' })),
    };
  }
  // The result is the handler's bytes, not typed as JSON: fc2's tests read a function's
  // result as a string (`expect(response.data).to.be('hello world')`, `JSON.parse(resp.data)`).
  return { status: 200, headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: run.payload };
}
