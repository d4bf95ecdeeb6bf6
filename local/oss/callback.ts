/**
 * Upload callbacks as OSS performs them: reading `x-oss-callback` / `x-oss-callback-var`
 * (or the `callback` / `callback-var` query parameters), POSTing the filled body to each
 * URL in turn until one answers 200 with a valid body, signed with the emulator's own RSA
 * key, and reporting the failure OSS would report. Protocol facts: OSS's Callback page
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback);
 * test/conformance/callbacks/ holds what it prints and checks this module against it.
 *
 * Unlike OSS, loopback and private callback addresses are allowed: that is the point of
 * running locally.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { CallbackParamsError } from '../../lib/protocol/encode';
import { decodeCallback, type CallbackSpec } from './callback-params';
import { OssError, invalidArgument } from './errors';
import { fillCallbackBody, type CallbackValues } from './callback-body';
import { headerText } from '../serve';

/** OSS gives a callback server this long to answer (fixed in OSS; configurable here for tests). */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;
/** The largest callback response body OSS passes back. */
export const MAX_CALLBACK_RESPONSE_BYTES = 1024 * 1024;

// EC codes OSS documents for invalid callback parameters (help.aliyun.com, OSS
// "07-CALLBACK" error pages 0007-00000002/3/4/5/11/103). Reasons without a documented
// code are answered without EC rather than with a guessed one.
const EC_BY_REASON: Partial<Record<CallbackParamsError['reason'], string>> = {
  callback_not_base64: '0007-00000002',
  callback_not_json: '0007-00000003',
  bad_callback_url: '0007-00000004',
  too_many_urls: '0007-00000005',
  callback_body_missing: '0007-00000011',
  callback_var_not_json: '0007-00000103',
};

/**
 * The callback a PutObject / CompleteMultipartUpload request asks for, or undefined.
 * Throws OssError 400 InvalidArgument (with OSS's EC code) for parameters OSS refuses.
 */
export function readCallbackSpec(headers: IncomingHttpHeaders, query: URLSearchParams): CallbackSpec | undefined {
  const callback = headerText(headers, 'x-oss-callback') ?? query.get('callback') ?? undefined;
  if (callback === undefined || callback === '') return undefined;
  const callbackVar = headerText(headers, 'x-oss-callback-var') ?? query.get('callback-var') ?? undefined;
  try {
    return decodeCallback(callback, callbackVar);
  } catch (error) {
    if (!(error instanceof CallbackParamsError)) throw error;
    // OSS: "if callbackUrl is not configured or empty, no callback is configured".
    if (error.reason === 'callback_url_missing') return undefined;
    const isVar = error.reason.startsWith('callback_var') || error.reason === 'bad_custom_key' || error.reason === 'bad_custom_value';
    const message = error.reason === 'callback_not_json' ? 'The callback configuration is not json format.' : error.message;
    const value = (isVar ? callbackVar : callback) ?? '';
    throw invalidArgument(message, isVar ? 'callback-var' : 'callback', value.length > 256 ? `${value.slice(0, 256)}…` : value, EC_BY_REASON[error.reason]);
  }
}

/** What came of a callback. */
export type CallbackOutcome = { ok: true; body: Buffer; contentType: string } | { ok: false; message: string };

/** Who OSS says it is and how it signs. */
export interface CallbackSigner {
  privateKey: KeyObject;
  publicKeyUrl: string;
  /** The uploader's account id, sent as x-oss-requester. */
  requesterId: string;
  timeoutMs: number;
}

/**
 * The string OSS signs for a callback request: the URL path decoded once, the raw
 * query (with its `?`) when there is one, a newline, the body.
 *
 * @example callbackStringToSign(new URL('http://h/a%20b?x=1'), Buffer.from('k=v')) // => '/a b?x=1\nk=v'
 */
export function callbackStringToSign(url: URL, body: Buffer): Buffer {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  return Buffer.concat([Buffer.from(path + url.search + '\n', 'utf8'), body]);
}

const CANNOT_CONNECT = 'Error status : -1. OSS can not connect to your callbackUrl, please check it.';

function postOnce(url: URL, spec: CallbackSpec, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<CallbackOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: CallbackOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || undefined,
      path: url.pathname + url.search,
      headers: { ...headers, Host: spec.host ?? url.host, 'Content-Length': String(body.length) },
      agent: false,
      ...(url.protocol === 'https:' && spec.sni ? { servername: url.hostname } : {}),
    });
    // The messages are OSS's own (help.aliyun.com "Errors returned with HTTP status code 203").
    const timer = setTimeout(() => finish({ ok: false, message: 'Cost too long time.' }), timeoutMs);
    request.on('error', () => finish({ ok: false, message: CANNOT_CONNECT }));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        finish({ ok: false, message: `Error status : ${response.statusCode}.` });
        return;
      }
      const lengthHeader = response.headers['content-length'];
      if (lengthHeader === undefined) {
        finish({ ok: false, message: 'Error Status : 400.User server missing content-length.' });
        return;
      }
      if (!/^\d+$/.test(lengthHeader)) {
        finish({ ok: false, message: 'Error Status : 400.User server return invalid content-length value.' });
        return;
      }
      const length = Number(lengthHeader);
      if (length > MAX_CALLBACK_RESPONSE_BYTES) {
        finish({ ok: false, message: 'Error Status : 400.User server return too long content-length value.' });
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => finish({ ok: false, message: CANNOT_CONNECT }));
      response.on('end', () => {
        const received = Buffer.concat(chunks);
        const contentType = (response.headers['content-type'] ?? 'application/json').toString();
        const isXml = /^(application|text)\/xml\b/i.test(contentType);
        if (!isXml) {
          try {
            JSON.parse(received.toString('utf8'));
          } catch {
            finish({ ok: false, message: 'Response body is not valid json format.' });
            return;
          }
        }
        finish({ ok: true, body: received, contentType: isXml ? contentType : 'application/json' });
      });
    });
    request.end(body);
  });
}

/**
 * Sends the callback for a stored object: fills the template, signs, and tries each URL
 * in order until one succeeds. Never throws; failures come back as `{ ok: false }` with
 * OSS's message for the last URL tried.
 */
export async function sendCallback(spec: CallbackSpec, values: CallbackValues, signer: CallbackSigner): Promise<CallbackOutcome> {
  const body = Buffer.from(fillCallbackBody(spec.body, spec.bodyType, values, spec.vars), 'utf8');
  let outcome: CallbackOutcome = { ok: false, message: CANNOT_CONNECT };
  for (const raw of spec.urls) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    const signature = sign('md5', callbackStringToSign(url, body), signer.privateKey).toString('base64');
    // Exactly the headers of the request OSS's Callback page prints ("Receive the POST
    // request from OSS"), plus the Content-Length of its signed example that http sets;
    // test/conformance/callbacks/callback-request-shape.test.ts compares them one by one.
    const headers: Record<string, string> = {
      Authorization: signature,
      'Content-MD5': createHash('md5').update(body).digest('base64'),
      'Content-Type': spec.bodyType,
      Date: new Date().toUTCString(),
      'User-Agent': 'aliyun-oss-callback',
      'x-oss-bucket': values.bucket,
      'x-oss-pub-key-url': Buffer.from(signer.publicKeyUrl, 'utf8').toString('base64'),
      'x-oss-request-id': values.reqId,
      'x-oss-requester': signer.requesterId,
      'x-oss-signature-version': '1.0',
      'x-oss-tag': 'CALLBACK',
      Connection: 'close',
    };
    outcome = await postOnce(url, spec, body, headers, signer.timeoutMs);
    if (outcome.ok) return outcome;
  }
  return outcome;
}

/** The 203 answer OSS gives when the object is stored but the callback failed. */
export function callbackFailed(message: string): OssError {
  return new OssError(203, 'CallbackFailed', message, '0007-00000203');
}
