// The callback on FC's custom runtime (functions/callback/custom-runtime.ts): the same
// handler behind node:http, over real HTTP, with OSS-signed callbacks and the Tablestore
// emulator; and the event and context it builds from a request and FC's x-fc-* headers.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore/index';
import { RecordStore } from '../../lib/store/store';
import { storeConfigFromEnv } from '../../lib/store/config';
import { standardBodyTemplate } from '../../lib/protocol/template';
import { createJobToken, JOB_ID_VAR, TOKEN_VAR } from '../../lib/protocol/token';
import { setLogSink } from '../../lib/log';
import type { FcContext, FcHttpResponse } from '../../lib/fc';
import { callbackServer, contextOf, httpEventOf, MAX_REQUEST_BYTES } from '../../functions/callback/custom-runtime';
import { signAsOss, startKeyServer, testKeyPair, type KeyServer } from '../support/oss-signer';

const SECRET = 'custom-runtime-test-secret-0123456789';
const pair = testKeyPair(1024);
let tablestore: TablestoreEmulator;
let keys: KeyServer;
let store: RecordStore;
let server: Server;
let base: string;

function post(path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signedCallback(jobId: string, object: string, path = '/oss/callback'): { headers: Record<string, string>; body: string } {
  const values: Record<string, string> = {
    bucket: 'uploads',
    object,
    etag: '"5EB63BBBE01EEED093CB22BB8F5ACDC3"',
    size: '11',
    mimeType: 'text/plain',
    crc64: '1',
    contentMd5: 'XrY7u+Ae7tCTyyK7j1rNww==',
    clientIp: '10.0.0.7',
    reqId: '6571A3B0C0FFEE',
    operation: 'PutObject',
    [JOB_ID_VAR]: jobId,
    [TOKEN_VAR]: createJobToken([SECRET], { jobId, bucket: 'uploads', key: object, vars: {} }),
  };
  const body = standardBodyTemplate([JOB_ID_VAR, TOKEN_VAR]).replace(/\$\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
  return { headers: { ...signAsOss(pair.privateKey, `${keys.prefix}oss.pem`, { path, body }), 'content-type': 'application/x-www-form-urlencoded' }, body };
}

before(async () => {
  tablestore = await startTablestoreEmulator({ port: 0 });
  keys = await startKeyServer({ '/oss.pem': pair.publicPem });
  Object.assign(process.env, {
    CALLBACK_TOKEN_SECRET: SECRET,
    CALLBACK_ALLOWED_BUCKETS: 'uploads',
    CALLBACK_PUBKEY_URL_PREFIXES: keys.prefix,
    TABLESTORE_ENDPOINT: tablestore.url,
    TABLESTORE_INSTANCE: tablestore.instance,
    TABLESTORE_TABLE: 'custom_runtime_test',
    ALIBABA_CLOUD_ACCESS_KEY_ID: tablestore.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: tablestore.accessKeySecret,
  });
  store = new RecordStore(storeConfigFromEnv(process.env));
  await store.ensureTable();
  setLogSink(() => undefined);
  const { handler } = (await import('../../functions/callback/index')) as unknown as { handler: (e: Buffer, c: FcContext, cb: () => void) => Promise<FcHttpResponse> };
  server = callbackServer((event, context) => handler(event, context, () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  server.closeAllConnections();
  store.close();
  await keys.close();
  await tablestore.close();
});

describe('callback on the custom runtime (HTTP server around the same handler)', () => {
  test('signed callbacks, many at once, are verified and recorded as by the built-in runtime', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => `crt-${i}`);
    const answers = await Promise.all(
      jobs.map((jobId) => {
        const { headers, body } = signedCallback(jobId, `photos/${jobId} 中.txt`);
        return post('/oss/callback', { ...headers, 'x-fc-request-id': `req-${jobId}` }, body);
      }),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      jobs.map(() => 200),
    );
    for (const jobId of jobs) {
      const record = await store.getRecord(jobId);
      assert.equal(record?.status, 'uploaded', jobId);
      assert.equal(record?.recordedBy, 'callback');
    }
  });

  test('refusals are the handler’s: a forged signature 403, a query 403, a body over the limit 413 without reading it all', async () => {
    const { headers, body } = signedCallback('crt-forged', 'x.txt');
    const forged = await post('/oss/callback', headers, body.replace('x.txt', 'y.txt'));
    assert.equal(forged.status, 403);
    const withQuery = await post('/oss/callback?a=1', headers, body);
    assert.deepEqual([withQuery.status, withQuery.body.error], [403, 'query_not_allowed']);
    const huge = await post('/oss/callback', { 'content-type': 'text/plain' }, Buffer.alloc(MAX_REQUEST_BYTES + 1, 'a'));
    assert.deepEqual([huge.status, huge.body.error], [413, 'body_too_large']);
    assert.equal(await store.getRecord('crt-forged'), undefined, 'nothing written');
  });

  test('the event keeps the client’s request and leaves FC’s x-fc-* headers to the context', async () => {
    const seen = await new Promise<{ event: ReturnType<typeof httpEventOf>; context: FcContext }>((resolve) => {
      const probe = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          resolve({ event: httpEventOf(req, Buffer.concat(chunks)), context: contextOf(req) });
          res.end();
          probe.close();
        });
      });
      probe.listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port;
        http
          .request(`http://127.0.0.1:${port}/a%20b/c?x=1&x=2&y=%2B`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded',
              Authorization: 'sig',
              'x-fc-request-id': 'req-1',
              'x-fc-access-key-id': 'STS.key',
              'x-fc-access-key-secret': 'secret',
              'x-fc-security-token': 'token',
              'x-fc-function-name': 'oss-upload-callback',
              'x-fc-function-memory': '512',
              'x-fc-region': 'cn-hangzhou',
              'x-fc-account-id': '123',
            },
          })
          .end('a=1&b=%20');
      });
    });
    const { event, context } = seen;
    assert.equal(event.rawPath, '/a%20b/c');
    assert.equal(event.requestContext.http.path, '/a b/c');
    assert.deepEqual(event.queryParameters, { x: '1,2', y: '+' });
    assert.equal(Buffer.from(event.body, 'base64').toString(), 'a=1&b=%20');
    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.headers.Authorization, 'sig');
    assert.deepEqual(
      Object.keys(event.headers).filter((h) => h.toLowerCase().startsWith('x-fc-')),
      [],
      'no FC context (and no role keys) in the request the handler sees',
    );
    assert.equal(event.requestContext.requestId, 'req-1');
    assert.deepEqual(context.credentials, { accessKeyId: 'STS.key', accessKeySecret: 'secret', securityToken: 'token' });
    assert.deepEqual([context.requestId, context.function.name, context.function.memory, context.region, context.accountId], ['req-1', 'oss-upload-callback', 512, 'cn-hangzhou', '123']);
  });
});
