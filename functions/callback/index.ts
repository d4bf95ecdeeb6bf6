/**
 * The callback function: the HTTP target of OSS upload callbacks (FC 3.0 HTTP trigger,
 * runtime nodejs20). A thin adapter: FC HTTP event → lib/callback/receive → FC response.
 * Its state lives in lib/callback/instance.ts; every error becomes an answer in
 * lib/callback/answer.ts.
 */
import { answerFor, CallbackRefusal, type CallbackAnswer } from '../../lib/callback/answer';
import { withCallbackInstance } from '../../lib/callback/instance';
import { receiveCallback, type ReceivedRequest } from '../../lib/callback/receive';
import { MAX_CALLBACK_BODY_BYTES } from '../../lib/callback/verify';
import { httpBody, parseFcHttpEvent, usableCredentials, type FcHandler, type FcHttpEvent, type FcHttpResponse } from '../../lib/fc';
import { log } from '../../lib/log';

/** The request as lib/callback takes it; throws CallbackRefusal for what an FC event cannot carry faithfully. */
function requestOf(http: FcHttpEvent): ReceivedRequest {
  // Refuse an oversized body before decoding it: Base64 is 4/3 of the bytes.
  const encodedLength = http.body.length;
  const byteLength = http.isBase64Encoded ? Math.floor((encodedLength * 3) / 4) : Buffer.byteLength(http.body, 'utf8');
  if (byteLength > MAX_CALLBACK_BODY_BYTES + 2) throw new CallbackRefusal('body_too_large', `callback body is larger than ${MAX_CALLBACK_BODY_BYTES} bytes`);
  // OSS signs `path?query`, but FC hands over only the parsed parameters, never the raw
  // query, so the signed string cannot be rebuilt. Verifying without the query would
  // accept a signed request with any query added; our callback URLs carry none.
  if (Object.keys(http.queryParameters).length > 0) throw new CallbackRefusal('query_not_allowed', 'callback URLs carry no query; a request with one cannot be verified');
  return { method: http.requestContext.http.method, path: http.rawPath, headers: http.headers, body: httpBody(http) };
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
    answer = await withCallbackInstance(process.env, usableCredentials(context), ({ config, store }) => receiveCallback(requestOf(parseFcHttpEvent(event)), config, store));
  } catch (error) {
    answer = answerFor(error);
  }
  log(answer.status === 200 ? 'info' : 'warn', {
    fn: 'callback',
    requestId: context.requestId,
    jobId: answer.jobId,
    outcome: answer.outcome,
    status: answer.status,
    // A misconfigured instance says which setting is wrong (the message never holds its value).
    ...(answer.outcome === 'misconfigured' ? { error: answer.body.message } : {}),
    ms: Date.now() - started,
  });
  return respond(answer);
};
