/**
 * A small client of FC 3.0's InvokeFunction (API version 2023-03-30), the API that reaches
 * functions deployed with the fc3 component (docs/invoke-api.md explains why @alicloud/fc2
 * cannot): `POST /2023-03-30/functions/{functionName}/invocations[?qualifier=…]` with
 * `x-fc-invocation-type: Sync|Async`, signed with ACS3-HMAC-SHA256 (signature-v3.ts).
 * API reference: https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-invokefunction
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ReasonedError } from '../errors';
import { acsDate, signRequestV3 } from './signature-v3';

export const FC3_API_VERSION = '2023-03-30';

/** Why an invocation request failed. */
export type FcV3ErrorReason = 'fc_api_error' | 'fc_network_error' | 'fc_timeout' | 'fc_invalid_request';

/**
 * An invocation FC refused (`status`, and `code`/`requestId` from FC 3.0's error body
 * `{Code, Message, RequestId}`), or that never got an answer (`status` 0).
 */
export class FcV3Error extends ReasonedError<FcV3ErrorReason> {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(reason: FcV3ErrorReason, message: string, details: { status?: number; code?: string; requestId?: string; cause?: unknown } = {}) {
    super(reason, message, { cause: details.cause });
    this.status = details.status ?? 0;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** Where and as whom to call. */
export interface FcV3ClientOptions {
  /** `https://<account-id>.<region>.fc.aliyuncs.com` (fc3Endpoint), or a local FC host's URL. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** Per request (default 30 000 ms). */
  timeoutMs?: number;
}

/** How to invoke. */
export interface InvokeV3Options {
  /** Default `Sync`. */
  invocationType?: 'Sync' | 'Async';
  /** Version or alias; FC's default is `LATEST`. */
  qualifier?: string;
  /** For tests: the signing time and nonce. */
  now?: Date;
  nonce?: string;
}

/** FC's answer to an accepted invocation. */
export interface InvokeV3Result {
  /** 200 (sync) or 202 (async accepted). */
  status: number;
  requestId: string | undefined;
  /** `X-Fc-Error-Type` of a sync call whose function failed (the status is still 2xx). */
  errorType: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The public FC endpoint of an account in a region (the same host serves 2016-08-15 and
 * 2023-03-30); `internal` for the `-internal` one inside Alibaba Cloud.
 *
 * @example fc3Endpoint('1234567890123456', 'cn-hangzhou') // 'https://1234567890123456.cn-hangzhou.fc.aliyuncs.com'
 */
export function fc3Endpoint(accountId: string, region: string, internal = false): string {
  return `https://${accountId}.${region}${internal ? '-internal' : ''}.fc.aliyuncs.com`;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function errorFromResponse(status: number, headers: IncomingHttpHeaders, body: Buffer): FcV3Error {
  let code: string | undefined;
  let message = body.toString('utf8').slice(0, 500);
  let requestId = headerValue(headers, 'x-fc-request-id');
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    // FC 3.0's Error struct is {Code, Message, RequestId}
    // (https://help.aliyun.com/zh/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-error);
    // the older lower-case/2.0 spellings are accepted too, so a message is never lost.
    const pick = (...keys: string[]) => keys.map((k) => parsed[k]).find((v): v is string => typeof v === 'string');
    code = pick('Code', 'ErrorCode', 'errorCode');
    message = pick('Message', 'ErrorMessage', 'errorMessage') ?? message;
    requestId = pick('RequestId', 'requestId') ?? requestId;
  } catch {
    // Not JSON (a proxy's page, say): keep the start of the text.
  }
  return new FcV3Error('fc_api_error', `FC answered ${status}${code ? ` ${code}` : ''}: ${message}`, { status, code, requestId });
}

/**
 * Invokes a function through the 2023-03-30 API. Resolves for any 2xx (check
 * `errorType` for a failed sync run); rejects with FcV3Error otherwise.
 *
 * @example
 * const r = await invokeFunctionV3({ endpoint, accessKeyId, accessKeySecret }, 'oss-upload-uploader',
 *   JSON.stringify(job), { invocationType: 'Async', qualifier: 'LATEST' });
 * // r.status === 202, r.requestId === '1-…'
 */
export function invokeFunctionV3(client: FcV3ClientOptions, functionName: string, payload: Uint8Array | string, options: InvokeV3Options = {}): Promise<InvokeV3Result> {
  let base: URL;
  try {
    base = new URL(client.endpoint);
  } catch {
    return Promise.reject(new FcV3Error('fc_invalid_request', `FC endpoint is not a URL: ${client.endpoint}`));
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    return Promise.reject(new FcV3Error('fc_invalid_request', `FC endpoint must be http(s): ${client.endpoint}`));
  }
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const basePath = base.pathname.replace(/\/+$/, '');
  const path = `${basePath}/${FC3_API_VERSION}/functions/${functionName}/invocations`;
  const signed = signRequestV3({
    method: 'POST',
    path,
    query: options.qualifier ? { qualifier: options.qualifier } : undefined,
    headers: {
      host: base.host,
      'content-type': 'application/octet-stream',
      'x-acs-action': 'InvokeFunction',
      'x-acs-version': FC3_API_VERSION,
      'x-acs-date': acsDate(options.now ?? new Date()),
      'x-acs-signature-nonce': options.nonce ?? randomBytes(16).toString('hex'),
    },
    body,
    accessKeyId: client.accessKeyId,
    accessKeySecret: client.accessKeySecret,
    securityToken: client.securityToken,
  });
  // Not signed (only host, content-type and x-acs-* are), as FC's own SDK leaves it.
  const headers: Record<string, string> = {
    ...signed.headers,
    'x-fc-invocation-type': options.invocationType ?? 'Sync',
    'content-length': String(body.length),
  };
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = client.timeoutMs ?? 30_000;

  return new Promise((resolve, reject) => {
    const req = send(
      { protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method: 'POST', path: signed.pathAndQuery, headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(new FcV3Error('fc_network_error', `reading FC's answer failed: ${err.message}`, { cause: err })));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const responseBody = Buffer.concat(chunks);
          if (status < 200 || status >= 300) {
            reject(errorFromResponse(status, res.headers, responseBody));
            return;
          }
          resolve({
            status,
            requestId: headerValue(res.headers, 'x-fc-request-id'),
            errorType: headerValue(res.headers, 'x-fc-error-type'),
            headers: res.headers,
            body: responseBody,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new FcV3Error('fc_timeout', `no answer from FC within ${timeoutMs} ms`)));
    req.on('error', (err) => {
      reject(err instanceof FcV3Error ? err : new FcV3Error('fc_network_error', `request to FC failed: ${err.message}`, { cause: err }));
    });
    req.end(body);
  });
}
