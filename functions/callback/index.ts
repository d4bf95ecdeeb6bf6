/**
 * The callback function: the HTTP target of OSS upload callbacks (FC 3.0 HTTP trigger,
 * runtime nodejs20). A thin adapter: FC HTTP event → lib/callback/receive → FC response.
 */
import { callbackConfigFromEnv, type CallbackConfig } from '../../lib/callback/config';
import { receiveCallback, type CallbackAnswer } from '../../lib/callback/receive';
import { MAX_CALLBACK_BODY_BYTES } from '../../lib/callback/verify';
import { ReasonedError } from '../../lib/errors';
import { FcEventError, httpBody, parseFcHttpEvent, usableCredentials, type FcContext, type FcHandler, type FcHttpResponse } from '../../lib/fc';
import { log } from '../../lib/log';
import { RecordStore } from '../../lib/store/store';

let config: CallbackConfig | undefined;
let configError: ReasonedError | undefined;
let store: { key: string; store: RecordStore } | undefined;

/** Configuration is read and checked once per instance; a bad setting answers every request with 500. */
function instanceConfig(context: FcContext): CallbackConfig {
  if (config === undefined && configError === undefined) {
    try {
      config = callbackConfigFromEnv(process.env, usableCredentials(context));
    } catch (error) {
      configError = error instanceof ReasonedError ? error : new ReasonedError('bad_setting', String(error));
      log('error', { fn: 'callback', outcome: 'misconfigured', reason: configError.reason, message: configError.message });
    }
  }
  if (configError) throw configError;
  return config!;
}

/** One store client per instance; rebuilt only when FC rotates the role's STS keys. */
function instanceStore(context: FcContext, base: CallbackConfig): RecordStore {
  const credentials = usableCredentials(context);
  const key = credentials ? `${credentials.accessKeyId}:${credentials.securityToken ?? ''}` : 'env';
  if (store?.key !== key) {
    store = { key, store: new RecordStore(credentials ? { ...base.store, credentials } : base.store) };
  }
  return store.store;
}

function respond(answer: Pick<CallbackAnswer, 'status' | 'body'>): FcHttpResponse {
  // OSS needs JSON with a correct Content-Length; FC computes the length from `body`.
  return { statusCode: answer.status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(answer.body), isBase64Encoded: false };
}

/** FC entry point. Never throws: every failure is a JSON answer, and one log line per request. */
export const handler: FcHandler<FcHttpResponse> = async (event, context) => {
  const started = Date.now();
  let answer: CallbackAnswer;
  try {
    const cfg = instanceConfig(context);
    const http = parseFcHttpEvent(event);
    // Refuse an oversized body before decoding it: Base64 is 4/3 of the bytes.
    const encodedLength = http.body.length;
    const byteLength = http.isBase64Encoded ? Math.floor((encodedLength * 3) / 4) : Buffer.byteLength(http.body, 'utf8');
    if (byteLength > MAX_CALLBACK_BODY_BYTES + 2) {
      answer = { status: 413, outcome: 'body_too_large', body: { error: 'body_too_large', message: `callback body is larger than ${MAX_CALLBACK_BODY_BYTES} bytes` } };
    } else if (Object.keys(http.queryParameters).length > 0) {
      // OSS signs `path?query`, but FC hands over only the parsed parameters, never the raw
      // query, so the signed string cannot be rebuilt. Verifying without the query would
      // accept a signed request with any query added; our callback URLs carry none.
      answer = { status: 403, outcome: 'query_not_allowed', body: { error: 'query_not_allowed', message: 'callback URLs carry no query; a request with one cannot be verified' } };
    } else {
      answer = await receiveCallback(
        { method: http.requestContext.http.method, path: http.rawPath, headers: http.headers, body: httpBody(http) },
        cfg,
        instanceStore(context, cfg),
      );
    }
  } catch (error) {
    if (error instanceof FcEventError) {
      answer = { status: 400, outcome: error.reason, body: { error: error.reason, message: error.message } };
    } else if (error instanceof ReasonedError && error === configError) {
      answer = { status: 500, outcome: 'misconfigured', body: { error: 'misconfigured', message: error.message } };
    } else {
      answer = { status: 500, outcome: 'internal_error', body: { error: 'internal_error', message: 'the callback could not be handled' } };
    }
  }
  log(answer.status === 200 ? 'info' : 'warn', {
    fn: 'callback',
    requestId: context.requestId,
    jobId: answer.jobId,
    outcome: answer.outcome,
    status: answer.status,
    ms: Date.now() - started,
  });
  return respond(answer);
};
