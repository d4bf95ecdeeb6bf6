/**
 * The emulator's HTTP front: one POST per operation (`POST /PutRow`), authenticated and
 * answered the way the service answers — protobuf bodies, x-ots-* response headers, a
 * signed `authorization`, and errors as a protobuf `Error{code, message}` with the
 * status of their code. `/__emulator/faults` lets tests inject faults over HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector, FaultRuleError, type FaultRule } from '../faults';
import { readBody } from '../serve';
import { contentMd5, signResponse, verifyRequest, type Credentials } from './protocol/auth';
import { OtsError } from './protocol/errors';
import type { Handler } from './protocol/handlers';
import { encodeMessage } from './protocol/schema';

/** Requests above this are refused with OTSRequestBodyTooLarge (service limit: 5 MB per request). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

const CONTROL_PATH = '/__emulator/faults';

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

export interface ServerContext {
  credentials: Credentials;
  faults: FaultInjector;
  /** Requests by operation name, when the emulator keeps count. */
  requestCounts?: Map<string, number>;
  handlers: Record<string, Handler>;
}

/** Answers with a protobuf body and the service's response headers. */
function answer(res: ServerResponse, path: string, status: number, body: Buffer, ctx: ServerContext, sign: boolean): void {
  const headers: Record<string, string> = {
    'x-ots-contentmd5': contentMd5(body),
    'x-ots-requestid': randomUUID(),
    'x-ots-date': new Date().toISOString(),
    'x-ots-contenttype': 'protocol buffer',
  };
  // Like the service, an OTSAuthFailed answer is not signed: there is no trusted key to sign with.
  if (sign) headers.authorization = signResponse(path, headers, ctx.credentials);
  res.writeHead(status, { ...headers, 'content-type': 'application/x-protobuf', 'content-length': String(body.length) });
  res.end(body);
}

function answerError(res: ServerResponse, path: string, err: OtsError, ctx: ServerContext): void {
  answer(res, path, err.status, encodeMessage('Error', { code: err.code, message: err.message }), ctx, err.code !== 'OTSAuthFailed');
}

async function handleControl(req: IncomingMessage, res: ServerResponse, faults: FaultInjector): Promise<void> {
  if (req.method === 'DELETE') {
    faults.clear();
    sendJson(res, 200, { pending: [] });
    return;
  }
  if (req.method === 'GET') {
    sendJson(res, 200, { pending: faults.pending() });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'use GET, POST or DELETE' });
    return;
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    const rule = JSON.parse(body.toString('utf8')) as FaultRule;
    faults.inject(rule);
    sendJson(res, 200, { pending: faults.pending() });
  } catch (err) {
    if (err instanceof FaultRuleError || err instanceof SyntaxError) sendJson(res, 400, { error: err.message });
    else throw err;
  }
}

/** The request listener of the emulator's HTTP server. */
export function createRequestListener(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res, ctx).catch((err: unknown) => {
      const internal = new OtsError('OTSInternalServerError', `Internal server error: ${(err as Error).message}`);
      if (!res.headersSent) answerError(res, req.url ?? '/', internal, ctx);
      else res.destroy();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === CONTROL_PATH) {
    await handleControl(req, res, ctx.faults);
    return;
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (req.method !== 'POST') {
    answerError(res, path, new OtsError('OTSMethodNotAllowed', 'OTSMethodNotAllowedOnly POST method for requests is supported.'), ctx);
    return;
  }
  if (body.length > MAX_BODY_BYTES) {
    answerError(res, path, new OtsError('OTSRequestBodyTooLarge', 'The size of POST data is too large.'), ctx);
    return;
  }
  const operation = path.slice(1);
  // Counted before faults and authentication, as the OSS emulator does: a test counts what reached the service.
  ctx.requestCounts?.set(operation, (ctx.requestCounts.get(operation) ?? 0) + 1);

  const fault = await ctx.faults.apply(operation, req.socket);
  if (fault === 'dropped') return;
  if (fault) {
    answerError(res, path, new OtsError(fault.code, fault.message, fault.status), ctx);
    return;
  }

  try {
    verifyRequest(path, req.headers, body, ctx.credentials);
    const handler = Object.hasOwn(ctx.handlers, operation) ? ctx.handlers[operation] : undefined;
    if (!handler) throw new OtsError('OTSParameterInvalid', `Unsupported operation: '${operation}'.`);
    answer(res, path, 200, handler(body), ctx, true);
  } catch (err) {
    if (err instanceof OtsError) answerError(res, path, err, ctx);
    else throw err;
  }
}
