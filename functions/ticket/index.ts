/**
 * The ticket function (FC 3.0, nodejs20, HTTP trigger with JWT authentication): issues
 * upload tickets (V4 PostObject policy + callback) and reads the caller's records. A thin
 * adapter: FC HTTP event → lib/ticket/handle → FC response.
 */
import { ConfigError } from '../../lib/errors';
import { FcEventError, httpBody, parseFcHttpEvent, usableCredentials, type FcHandler, type FcHttpResponse } from '../../lib/fc';
import { log } from '../../lib/log';
import { handleTicketRequest, type TicketAnswer } from '../../lib/ticket/handle';
import { ticketInstance } from '../../lib/ticket/instance';

function respond(answer: Pick<TicketAnswer, 'status' | 'body'>): FcHttpResponse {
  return {
    statusCode: answer.status,
    // A ticket holds a signed policy: no cache may keep it.
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify(answer.body),
    isBase64Encoded: false,
  };
}

/** FC entry point. Never throws: every failure is a JSON answer, and one log line per request. */
export const handler: FcHandler<FcHttpResponse> = async (event, context) => {
  const started = Date.now();
  let answer: TicketAnswer;
  try {
    const instance = ticketInstance(process.env, usableCredentials(context));
    const http = parseFcHttpEvent(event);
    answer = await handleTicketRequest(
      { method: http.requestContext.http.method, path: http.rawPath, headers: http.headers, body: httpBody(http) },
      { config: instance.config, credentials: instance.config.store.credentials, store: instance.store },
    );
  } catch (error) {
    if (error instanceof FcEventError) {
      answer = { status: 400, outcome: error.reason, body: { error: error.reason, message: error.message } };
    } else if (error instanceof ConfigError) {
      log('error', { fn: 'ticket', requestId: context.requestId, outcome: 'misconfigured', setting: error.setting, message: error.message });
      answer = { status: 500, outcome: 'misconfigured', body: { error: 'misconfigured', message: error.message } };
    } else {
      answer = { status: 500, outcome: 'internal_error', body: { error: 'internal_error', message: 'the request could not be handled' } };
    }
  }
  log(answer.status === 200 ? 'info' : 'warn', { fn: 'ticket', requestId: context.requestId, jobId: answer.jobId, outcome: answer.outcome, status: answer.status, ms: Date.now() - started });
  return respond(answer);
};
