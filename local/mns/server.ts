/**
 * The MNS emulator's HTTP side: reads a request, works out the operation, checks the
 * signature, runs the operation and writes MNS's answer (XML, `text/xml;charset=utf-8`,
 * `x-mns-request-id`, `x-mns-version: 2015-06-06` —
 * https://alibabacloud.com/help/en/mns/common-parameters).
 *
 * Routes (the requests `@alicloud/mns` lib/client.js builds):
 *   GET    /queues                                    ListQueue
 *   PUT    /queues/<q>[?metaoverride=true]            CreateQueue / SetQueueAttributes
 *   GET    /queues/<q>                                GetQueueAttributes
 *   DELETE /queues/<q>                                DeleteQueue
 *   POST   /queues/<q>/messages                       SendMessage / BatchSendMessage
 *   GET    /queues/<q>/messages[?numOfMessages&waitseconds&peekonly]
 *                                                    (Batch)ReceiveMessage / (Batch)PeekMessage
 *   DELETE /queues/<q>/messages?ReceiptHandle=…       DeleteMessage
 *   DELETE /queues/<q>/messages  (XML body)           BatchDeleteMessage
 *   PUT    /queues/<q>/messages?receiptHandle&visibilityTimeout  ChangeMessageVisibility
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults';
import { headerText, readBody } from '../serve';
import {
  MnsError,
  errorXml,
  internalError,
  invalidAccessKeyId,
  invalidAuthorizationHeader,
  invalidDateHeader,
  invalidQueryString,
  invalidRequestUrl,
  missingAuthorizationHeader,
  missingDateHeader,
  outOfRange,
  signatureDoesNotMatch,
  timeExpired,
} from './errors';
import { BATCH_LIMIT, MAX_WAIT_SECONDS, MnsAccount, integerIn, type OperationResult } from './operations';
import type { MessageView } from './queue';
import { mnsSignature, parseAuthorization, signaturesEqual, signedDate, stringToSign } from './signature';

/** The API version MNS speaks and echoes. */
export const MNS_API_VERSION = '2015-06-06';

/** Requests further than this from the server clock are refused (MNS: 15 minutes). */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Largest request body read: 16 messages of 64 KB with their XML, with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Credentials the emulator accepts. */
export interface MnsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Everything a request handler needs. */
export interface MnsServerContext {
  account: MnsAccount;
  credentials: MnsCredentials;
  faults: FaultInjector;
  /** Requests in progress, aborted when the emulator closes so long polls end at once. */
  inProgress: Set<AbortController>;
  /** Requests by operation name, when the emulator keeps count (faulted ones included, as the other emulators count). */
  requestCounts?: Map<string, number>;
}

type Query = Map<string, string>;

/**
 * Splits a raw query. Values are percent-decoded but `+` stays `+`: `@alicloud/mns` puts
 * receipt handles (Base64, may hold `+`, `/`, `=`) into the URL without encoding them.
 * Keys are matched case-insensitively (the SDK sends `ReceiptHandle` for DeleteMessage and
 * `receiptHandle` for ChangeMessageVisibility).
 */
function parseQuery(raw: string): Query {
  const query: Query = new Map();
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    try {
      query.set(decodeURIComponent(key).toLowerCase(), decodeURIComponent(value));
    } catch {
      throw invalidQueryString(key);
    }
  }
  return query;
}

interface Route {
  operation: string;
  run: (now: number, signal: AbortSignal) => Promise<OperationResult> | OperationResult;
}

function route(ctx: MnsServerContext, req: IncomingMessage, body: string): Route {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  const method = req.method ?? 'GET';
  const segments = path.split('/').slice(1).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw invalidRequestUrl();
    }
  });
  const { account } = ctx;

  if (segments.length === 1 && segments[0] === 'queues' && method === 'GET') {
    const limit = integerIn('x-mns-ret-number', headerText(req.headers, 'x-mns-ret-number'), 1, 1000, '') ?? 1000;
    return { operation: 'ListQueue', run: () => account.listQueues(headerText(req.headers, 'x-mns-prefix') ?? '', limit, headerText(req.headers, 'x-mns-marker') ?? '') };
  }
  if (segments[0] !== 'queues' || !segments[1]) throw invalidRequestUrl();
  const name = segments[1];

  if (segments.length === 2) {
    if (method === 'PUT' && query.get('metaoverride') === 'true') {
      return { operation: 'SetQueueAttributes', run: (now) => account.setQueueAttributes(name, body, now) };
    }
    if (method === 'PUT') return { operation: 'CreateQueue', run: (now) => account.createQueue(name, body, now) };
    if (method === 'GET') return { operation: 'GetQueueAttributes', run: (now) => account.getQueueAttributes(name, now) };
    if (method === 'DELETE') return { operation: 'DeleteQueue', run: () => account.deleteQueue(name) };
    throw invalidRequestUrl();
  }
  if (segments.length !== 3 || segments[2] !== 'messages') throw invalidRequestUrl();

  if (method === 'POST') {
    const batch = /<Messages[\s>]/.test(body);
    return { operation: batch ? 'BatchSendMessage' : 'SendMessage', run: (now) => account.send(name, body, now) };
  }
  if (method === 'GET') {
    const batch = query.has('numofmessages');
    const peek = query.get('peekonly') === 'true';
    const operation = `${batch ? 'Batch' : ''}${peek ? 'Peek' : 'Receive'}Message`;
    return {
      operation,
      run: (now, signal) => {
        const max = batch ? integerIn('numOfMessages', query.get('numofmessages'), 1, BATCH_LIMIT, '')! : 1;
        const queue = account.queue(name);
        if (peek) return account.messagesResult(queue.peek(max, now), batch);
        const wait = integerIn('waitseconds', query.get('waitseconds'), 0, MAX_WAIT_SECONDS, 'seconds') ?? queue.attrs.PollingWaitSeconds;
        return receiveWithWait(ctx, name, max, wait * 1000, signal).then((views) => account.messagesResult(views, batch));
      },
    };
  }
  if (method === 'DELETE') {
    if (query.has('receipthandle')) {
      return { operation: 'DeleteMessage', run: (now) => account.deleteMessage(name, query.get('receipthandle'), now) };
    }
    if (body.trim()) return { operation: 'BatchDeleteMessage', run: (now) => account.batchDeleteMessage(name, body, now) };
    return { operation: 'DeleteMessage', run: (now) => account.deleteMessage(name, undefined, now) };
  }
  if (method === 'PUT') {
    return {
      operation: 'ChangeMessageVisibility',
      run: (now) => account.changeVisibility(name, query.get('receipthandle'), query.get('visibilitytimeout'), now),
    };
  }
  throw invalidRequestUrl();
}

/**
 * Long polling: receives at once when messages are Active; otherwise waits until one is
 * sent or becomes Active again (a delay or visibility timeout ending), up to `waitMs`.
 * Stops waiting when the client goes away, so no message is handed to a closed socket.
 */
async function receiveWithWait(ctx: MnsServerContext, name: string, max: number, waitMs: number, signal: AbortSignal): Promise<MessageView[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const queue = ctx.account.queue(name);
    if (signal.aborted) return [];
    const now = Date.now();
    const received = queue.receive(max, now);
    if (received.length > 0 || now >= deadline || queue.isClosed) return received;
    const wakeAt = Math.min(deadline, queue.nextActivation(now) ?? deadline);
    await queue.waitForChange(wakeAt - now, signal);
  }
}

function authenticate(ctx: MnsServerContext, req: IncomingMessage, now: number): void {
  const authorization = headerText(req.headers, 'authorization');
  if (!authorization) throw missingAuthorizationHeader();
  const parsed = parseAuthorization(authorization);
  if (!parsed) throw invalidAuthorizationHeader();
  const date = signedDate(req.headers);
  if (!date) throw missingDateHeader();
  const time = Date.parse(date);
  if (Number.isNaN(time) || !/GMT$/.test(date.trim())) throw invalidDateHeader();
  if (Math.abs(now - time) > CLOCK_SKEW_MS) throw timeExpired();
  if (parsed.accessKeyId !== ctx.credentials.accessKeyId) throw invalidAccessKeyId();
  const expected = mnsSignature(ctx.credentials.accessKeySecret, stringToSign(req.method ?? 'GET', req.headers, req.url ?? '/'));
  if (!signaturesEqual(expected, parsed.signature)) throw signatureDoesNotMatch();
}

function requestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

function send(res: ServerResponse, id: string, result: OperationResult): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'x-mns-request-id': id,
    'x-mns-version': MNS_API_VERSION,
    Date: new Date().toUTCString(),
    Server: 'MNS-Emulator',
    ...result.headers,
  };
  if (result.xml !== undefined) {
    const payload = Buffer.from(result.xml, 'utf8');
    headers['Content-Type'] = 'text/xml;charset=utf-8';
    headers['Content-Length'] = payload.length;
    res.writeHead(result.status, headers);
    res.end(payload);
  } else {
    res.writeHead(result.status, headers);
    res.end();
  }
}

/** Handles one HTTP request as MNS would. */
export async function handleMnsRequest(ctx: MnsServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = requestId();
  const hostId = `http://${headerText(req.headers, 'host') ?? 'localhost'}`;
  const aborter = new AbortController();
  const abort = (): void => aborter.abort();
  res.on('close', abort);
  ctx.inProgress.add(aborter);
  try {
    const bytes = await readBody(req, MAX_BODY_BYTES);
    if (bytes.length > MAX_BODY_BYTES) throw outOfRange('Content-Length', 0, MAX_BODY_BYTES, 'bytes');
    const body = bytes.toString('utf8');
    const { operation, run } = route(ctx, req, body);
    ctx.requestCounts?.set(operation, (ctx.requestCounts.get(operation) ?? 0) + 1);
    const fault = await ctx.faults.apply(operation, req.socket);
    if (fault === 'dropped') return;
    if (fault) throw new MnsError(fault.status, fault.code, fault.message);
    authenticate(ctx, req, Date.now());
    send(res, id, await run(Date.now(), aborter.signal));
  } catch (error) {
    const mnsError = error instanceof MnsError ? error : internalError();
    send(res, id, { status: mnsError.status, xml: errorXml(mnsError, id, hostId) });
  } finally {
    res.off('close', abort);
    ctx.inProgress.delete(aborter);
  }
}
