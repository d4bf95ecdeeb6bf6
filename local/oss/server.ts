/**
 * The emulator's HTTP server: parses each request, applies injected faults, checks the
 * signature, dispatches to the operation and writes the reply or OSS's error document.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { FaultInjector } from '../faults';
import { deleteBucket, putBucket } from './buckets';
import type { OssContext, OssReply, OssRequest } from './context';
import { handleControl } from './control';
import { answerPreflight, corsResponseHeaders, type CorsRule } from './cors';
import { OssError, errorXml, notImplemented } from './errors';
import { listObjects, listObjectsV2 } from './listing';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, listParts, uploadPart } from './multipart';
import { deleteObject, getObject, getObjectMeta, headObject, putObject } from './objects';
import { postObject } from './post-object/post-object';
import { operationOf, parseTarget } from './routing';
import { checkSignature, type SignaturePolicy } from './signature';

type Handler = (ctx: OssContext, r: OssRequest) => Promise<OssReply>;

const HANDLERS: Record<string, Handler> = {
  PutBucket: putBucket,
  DeleteBucket: deleteBucket,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  GetObjectMeta: getObjectMeta,
  DeleteObject: deleteObject,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
};

/** Everything the server needs. */
export interface ServerDeps {
  ctx: OssContext;
  /** Which signatures and keys requests must carry. */
  signatures: SignaturePolicy;
  faults: FaultInjector;
  publicKeyPem: string;
  /** Requests per OSS operation name, counted as they arrive (control requests excluded). */
  requestCounts: Map<string, number>;
  /** Bucket CORS rules, for every bucket (local/oss/cors.ts). */
  cors: readonly CorsRule[];
}

/** OSS request ids: 24 uppercase hex characters. */
function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return;
  req.resume();
  await finished(req).catch(() => undefined);
}

async function writeReply(req: IncomingMessage, res: ServerResponse, reply: OssReply): Promise<void> {
  await drain(req);
  const headers = { ...reply.headers };
  if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) headers['Content-Length'] = Buffer.byteLength(reply.body);
  else if (reply.body === undefined && req.method !== 'HEAD' && reply.status !== 204 && reply.status !== 304) headers['Content-Length'] = 0;
  res.writeHead(reply.status, headers);
  if (reply.body === undefined || req.method === 'HEAD') {
    if (reply.body instanceof Readable) reply.body.destroy();
    res.end();
  } else if (reply.body instanceof Readable) {
    await pipeline(reply.body, res).catch(() => res.destroy());
  } else {
    res.end(reply.body);
  }
}

async function writeError(req: IncomingMessage, res: ServerResponse, error: OssError, requestId: string, hostId: string): Promise<void> {
  const xml = errorXml(error, requestId, hostId);
  await drain(req);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = { ...error.headers, 'Content-Type': 'application/xml' };
  // OSS sends the EC twice: <EC> in the body and the x-oss-ec header
  // (https://help.aliyun.com/document_detail/32005.htm, read 2026-12-02).
  if (error.ec) headers['x-oss-ec'] = error.ec;
  if (req.method === 'HEAD') {
    // A HEAD error has no body; OSS repeats the error document, Base64, in x-oss-err.
    headers['x-oss-err'] = Buffer.from(xml).toString('base64');
    res.writeHead(error.status, headers).end();
    return;
  }
  res.writeHead(error.status, { ...headers, 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('Server', 'AliyunOSS');
  let hostId = req.headers.host ?? '';
  try {
    const target = parseTarget(req.headers.host, req.url ?? '/');
    hostId = target.hostId;
    if (target.control !== undefined) {
      await handleControl(req, res, target.control, deps);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const operation = operationOf(method, target);
    // Counted before faults and the signature check: a test counts what reached OSS.
    deps.requestCounts.set(operation, (deps.requestCounts.get(operation) ?? 0) + 1);
    const fault = await deps.faults.apply(operation, req.socket);
    if (fault === 'dropped') return;
    if (fault) throw new OssError(fault.status, fault.code, fault.message);
    const r: OssRequest = {
      req,
      method,
      operation,
      bucket: target.bucket,
      key: target.key,
      query: target.query,
      requestId,
      hostId,
      clientIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    };
    // CORS headers go on every answer to an allowed origin, errors included.
    for (const [name, value] of Object.entries(corsResponseHeaders(deps.cors, method, req.headers))) res.setHeader(name, value);
    if (operation === 'Options') {
      const headers = answerPreflight(deps.cors, req.headers);
      await writeReply(req, res, { status: 200, headers });
      return;
    }
    if (operation === 'PostObject') {
      // A form carries its own signature (the policy's), checked by the operation.
      await writeReply(req, res, await postObject(deps.ctx, r, { keys: deps.signatures.keys, region: deps.signatures.region }));
      return;
    }
    checkSignature({ method, headers: req.headers, bucket: target.bucket, key: target.key, query: target.query }, deps.signatures);
    const handler = HANDLERS[operation];
    if (!handler) throw notImplemented(operation === 'Unsupported' ? `${method} ${req.url}` : operation);
    if (operation === 'PutObject' && req.headers['x-oss-copy-source'] !== undefined) throw notImplemented('CopyObject');
    await writeReply(req, res, await handler(deps.ctx, r));
  } catch (error) {
    if (error instanceof OssError) {
      await writeError(req, res, error, requestId, hostId);
      return;
    }
    if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      // The client went away mid-request (an aborted upload): nobody to answer.
      res.destroy();
      return;
    }
    process.stderr.write(`oss emulator: internal error on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}\n`);
    await writeError(req, res, new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.'), requestId, hostId);
  }
}

/** An HTTP server answering as OSS. */
export function createOssServer(deps: ServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch(() => res.destroy());
  });
  // Long uploads must not be cut off by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}
