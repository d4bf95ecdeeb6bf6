// The local FC host's 2023-03-30 invoke API, called the way users call FC 3.0: with the
// official SDK, @alicloud/fc20230330, over real HTTP. Sync and async invocations, FC's
// error answers as the SDK reads them, temporary (STS) keys, and requests the SDK signed
// then changed on the way (captured by a plain HTTP server and replayed with edits).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import FcModule, { InvokeFunctionHeaders, InvokeFunctionRequest, type InvokeFunctionResponse } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import FC from '@alicloud/fc2';
import { startFcHost, type FcHost } from '../../../local/fc-host/index';
import { listen, closeServer } from '../../../local/serve';

// Node's ESM loader gives the CommonJS exports object; the client class is its `default`.
const FcClient = (FcModule as unknown as { default?: typeof FcModule }).default ?? FcModule;
type Client = InstanceType<typeof FcClient>;

const bundle = fileURLToPath(new URL('../../support/fixtures/recorder.cjs', import.meta.url));
const FN = 'uploader';
const STS_KEY = { accessKeyId: 'STS.local-temp-key', accessKeySecret: 'temp-S3cret', securityToken: 'temp-T0ken' };

let dir: string;
let host: FcHost;
let stsHost: FcHost;
let recordFile: string;

function spec(name: string, file: string) {
  return { name, bundle, handler: 'recorder.handler', httpTrigger: false, asyncRetries: 0, env: { RECORD_FILE: file } };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fc-host-v3-'));
  recordFile = join(dir, 'events.jsonl');
  writeFileSync(recordFile, '');
  host = await startFcHost({ asyncBackoffMs: 20, functions: [spec(FN, recordFile)] });
  stsHost = await startFcHost({ ...STS_KEY, asyncBackoffMs: 20, functions: [spec(FN, join(dir, 'sts-events.jsonl'))] });
});

after(async () => {
  await host.close();
  await stsHost.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The events the function received since the last call, and forgets them. */
async function takeRecorded(): Promise<string[]> {
  await host.asyncIdle();
  const lines = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
  writeFileSync(recordFile, '');
  return lines.map((l) => (JSON.parse(l) as { event: string }).event);
}

function client(options: Record<string, unknown>): Client {
  return new FcClient(new $OpenApiUtil.Config(options));
}

async function invoke(c: Client, payload: string, type: 'Sync' | 'Async', fn = FN): Promise<InvokeFunctionResponse & { text: string }> {
  const response = await c.invokeFunctionWithOptions(
    fn,
    new InvokeFunctionRequest({ body: Readable.from([Buffer.from(payload)]), qualifier: 'LATEST' }),
    new InvokeFunctionHeaders({ xFcInvocationType: type }),
    new RuntimeOptions({}),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Object.assign(response, { text: Buffer.concat(chunks).toString('utf8') });
}

/** What the SDK throws for an error answer (@alicloud/openapi-core exceptions). */
interface SdkError {
  name: string;
  statusCode: number;
  code: string;
  requestId: string;
  data: Record<string, unknown>;
}

async function sdkFailure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  assert.fail('expected the SDK call to fail');
}

describe('FC host 2023-03-30 API with @alicloud/fc20230330', () => {
  test('sync: 200 with the handler result and a request id; async: 202, the event runs once', async () => {
    const c = client(host.fc3Options());
    const sync = await invoke(c, '{"sync":true}', 'Sync');
    assert.equal(sync.statusCode, 200);
    assert.deepEqual(JSON.parse(sync.text), { recorded: true });
    assert.match(sync.headers?.['x-fc-request-id'] ?? '', /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const queued = await invoke(c, '{"async":true}', 'Async');
    assert.equal(queued.statusCode, 202);
    assert.match(queued.headers?.['x-fc-request-id'] ?? '', /^1-/);
    assert.deepEqual(await takeRecorded(), ['{"sync":true}', '{"async":true}']);
  });

  test('a wrong secret: the SDK gets 403 SignatureNotMatch from the FC 3.0 body {Code, Message, RequestId}', async () => {
    for (const type of ['Sync', 'Async'] as const) {
      const e = await sdkFailure(invoke(client({ ...host.fc3Options(), accessKeySecret: 'not-the-secret' }), '{}', type));
      assert.equal(e.name, 'ClientError');
      assert.equal(e.statusCode, 403);
      assert.equal(e.code, 'SignatureNotMatch');
      assert.deepEqual(Object.keys(e.data).sort(), ['Code', 'Message', 'RequestId']);
      assert.equal(e.data.Message, 'The request signature we calculated does not match the signature you provided. Check your access key and signing method');
      assert.match(e.requestId, /^1-/);
      assert.doesNotMatch(JSON.stringify(e.data), /not-the-secret/);
    }
    assert.deepEqual(await takeRecorded(), []);
  });

  test('an unknown key id, an unknown function and an oversized async payload get FC codes', async () => {
    const stranger = await sdkFailure(invoke(client({ ...host.fc3Options(), accessKeyId: 'LTAI-someone-else' }), '{}', 'Async'));
    assert.deepEqual([stranger.statusCode, stranger.code], [403, 'InvalidAccessKeyID']);
    const missing = await sdkFailure(invoke(client(host.fc3Options()), '{}', 'Async', 'no-such-fn'));
    assert.deepEqual([missing.statusCode, missing.code], [404, 'FunctionNotFound']);
    const big = await sdkFailure(invoke(client(host.fc3Options()), 'x'.repeat(128 * 1024 + 1), 'Async'));
    assert.deepEqual([big.statusCode, big.code], [400, 'EntityTooLarge']);
    assert.deepEqual(await takeRecorded(), []);
  });

  test('temporary keys: accepted with their token (x-acs-security-token), refused without it or with another', async () => {
    assert.equal(stsHost.fc3Options().securityToken, STS_KEY.securityToken);
    const accepted = await invoke(client(stsHost.fc3Options()), '{"sts":true}', 'Sync');
    assert.equal(accepted.statusCode, 200);
    const { securityToken: _t, ...withoutToken } = stsHost.fc3Options();
    for (const options of [withoutToken, { ...stsHost.fc3Options(), securityToken: 'other-T0ken' }]) {
      const e = await sdkFailure(invoke(client(options), '{}', 'Async'));
      assert.deepEqual([e.statusCode, e.code], [403, 'AccessDenied']);
      assert.doesNotMatch(String(e.data.Message), /T0ken/);
    }
    // The 2016-08-15 route checks @alicloud/fc2's x-fc-security-token the same way.
    const fc2 = new FC(stsHost.accountId, stsHost.fc2Options());
    assert.equal(String((await fc2.invokeFunction(stsHost.service, FN, '{"fc2":true}')).data), '{"recorded":true}');
    const wrong = new FC(stsHost.accountId, { ...stsHost.fc2Options(), securityToken: 'other-T0ken' });
    await assert.rejects(wrong.invokeFunction(stsHost.service, FN, '{}'), (e: Error & { code?: string }) => e.code === 'AccessDenied');
  });
});

/** One request as a server received it. */
interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('FC host 2023-03-30 API: SDK requests changed on the way', () => {
  let capture: Server;
  let captureHost: string;
  const captured: Captured[] = [];

  before(async () => {
    capture = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202, { 'x-fc-request-id': '1-00000000-000000000000000000000000' }).end();
      });
    });
    captureHost = `127.0.0.1:${await listen(capture, 0, '127.0.0.1')}`;
  });

  after(async () => {
    await closeServer(capture);
  });

  /** What the SDK sends for an async invocation, signed with the host's key. */
  async function sdkRequest(payload: string): Promise<Captured> {
    captured.length = 0;
    await invoke(client({ ...host.fc3Options(), endpoint: captureHost }), payload, 'Async');
    assert.equal(captured.length, 1);
    return captured[0]!;
  }

  /** Sends `r` to the host as it is (the Host header too, which the SDK signed). */
  function replay(r: Captured): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(r.headers)) {
      if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection' && name !== 'content-length') headers[name] = value;
    }
    return new Promise((resolve, reject) => {
      const url = new URL(host.url);
      const req = request({ hostname: url.hostname, port: url.port, method: r.method, path: r.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
      });
      req.on('error', reject);
      req.end(r.body);
    });
  }

  test('the request as the SDK signed it is accepted; x-fc-invocation-type is not signed', async () => {
    const r = await sdkRequest('{"replayed":1}');
    assert.equal(r.headers['x-fc-invocation-type'], 'Async');
    assert.match(String(r.headers.authorization), /^ACS3-HMAC-SHA256 Credential=LTAI-local-fc-host,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);
    assert.equal((await replay(r)).status, 202);
    const sync = await replay({ ...r, headers: { ...r.headers, 'x-fc-invocation-type': 'Sync' } });
    assert.equal(sync.status, 200);
    assert.deepEqual(await takeRecorded(), ['{"replayed":1}', '{"replayed":1}']);
  });

  test('a changed body, a changed signed header or an added x-acs-* header is refused with 403 SignatureNotMatch', async () => {
    const r = await sdkRequest('{"amount":1}');
    const cases: [string, Captured, RegExp][] = [
      ['body', { ...r, body: Buffer.from('{"amount":9}') }, /x-acs-content-sha256 does not match the body/],
      ['body and its hash', { ...r, body: Buffer.from('{"amount":9}'), headers: { ...r.headers, 'x-acs-content-sha256': 'c2f3b0a4b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8' } }, /x-acs-content-sha256 does not match/],
      ['x-acs-date', { ...r, headers: { ...r.headers, 'x-acs-date': '2020-01-01T00:00:00Z' } }, /does not match the signature you provided/],
      ['qualifier', { ...r, url: r.url.replace('qualifier=LATEST', 'qualifier=prod') }, /does not match the signature you provided/],
      ['added header', { ...r, headers: { ...r.headers, 'x-acs-security-token': 'smuggled' } }, /header x-acs-security-token is not signed/],
    ];
    for (const [what, changed, message] of cases) {
      const answer = await replay(changed);
      assert.equal(answer.status, 403, what);
      assert.equal(answer.body.Code, 'SignatureNotMatch', what);
      assert.match(String(answer.body.Message), message, what);
    }
    const { authorization: _a, ...unsigned } = r.headers;
    const noAuth = await replay({ ...r, headers: unsigned });
    assert.deepEqual([noAuth.status, noAuth.body.Code], [400, 'MissingRequiredHeader']);
    const fc2Scheme = await replay({ ...r, headers: { ...r.headers, authorization: 'FC LTAI-local-fc-host:c2lnbmF0dXJl' } });
    assert.deepEqual([fc2Scheme.status, fc2Scheme.body.Code], [403, 'SignatureNotMatch']);
    assert.deepEqual(await takeRecorded(), []);
  });
});
