/**
 * FC 3.0 HTTP-trigger events and contexts for calling handlers in-process, shaped like
 * test/conformance/fc-events/http.json (FC's own sample).
 */
import { randomUUID } from 'node:crypto';
import type { FcContext } from '../../lib/fc';

/** Re-capitalises a header name the way FC does (`x-oss-pub-key-url` → `X-Oss-Pub-Key-Url`). */
export function fcHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

/** An HTTP-trigger event as a Buffer, the way FC hands it to a handler. */
export function httpEvent(req: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; base64?: boolean }): Buffer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[fcHeaderName(name)] = value;
  const body = req.body ?? '';
  const base64 = req.base64 ?? Buffer.isBuffer(body);
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: req.path,
      headers,
      queryParameters: {},
      body: base64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: base64,
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'local.fc',
        domainPrefix: 'local',
        requestId: randomUUID(),
        time: new Date().toISOString(),
        timeEpoch: String(Date.now()),
        http: { method: req.method ?? 'POST', path: req.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'aliyun-oss-callback' },
      },
    }),
  );
}

/** A handler context with the given credentials (none by default, like a function without a role). */
export function fcContext(credentials?: FcContext['credentials']): FcContext {
  const noop = () => undefined;
  return {
    requestId: randomUUID(),
    credentials: credentials ?? { accessKeyId: '', accessKeySecret: '', securityToken: '' },
    function: { name: 'test', handler: 'index.handler', memory: 512, timeout: 10 },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
    logger: { debug: noop, info: noop, warn: noop, error: noop, log: noop },
  };
}
