import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import FC, { type FCError } from '@alicloud/fc2';
import { startFcHost, FcHostConfigError, type FcHost, type FcFunctionSpec, type FcSyncResult } from '../../../local/fc-host/index';

const bundle = fileURLToPath(new URL('../../support/fixtures/handlers.cjs', import.meta.url));
const sampleEvent = JSON.parse(readFileSync(fileURLToPath(new URL('../../conformance/fc-events/http.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
const credentials = { accessKeyId: 'STS.role-key', accessKeySecret: 'role-secret', securityToken: 'role-token' };

function fn(name: string, exportName: string, extra: Partial<FcFunctionSpec> = {}): FcFunctionSpec {
  return { name, bundle, handler: `handlers.${exportName}`, ...extra };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain HTTP request, so tests control header repetition and exact bytes. */
function httpRequest(url: string, method: string, headers: Record<string, string | string[]>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function rejection(promise: Promise<unknown>): Promise<FCError> {
  try {
    await promise;
  } catch (err) {
    return err as FCError;
  }
  assert.fail('expected the call to fail');
}

describe('local FC host', () => {
  let host: FcHost;
  let client: FC;
  const logs: string[] = [];

  before(async () => {
    process.env.HOST_ONLY_SECRET = 'must-not-leak';
    host = await startFcHost({
      accountId: '1111222233334444',
      region: 'cn-shanghai',
      credentials,
      asyncBackoffMs: 20,
      log: (line) => logs.push(line),
      functions: [
        fn('echo', 'echo', { memoryMb: 256, timeoutMs: 7000 }),
        fn('text', 'text'),
        fn('bytes', 'bytes'),
        fn('cb', 'callback'),
        fn('plain', 'plain'),
        fn('fail', 'fail'),
        fn('slow', 'slow', { timeoutMs: 500 }),
        fn('serial', 'slow', { concurrency: 1, timeoutMs: 5000 }),
        fn('crash', 'crash'),
        fn('flaky', 'flaky', { env: { FAIL_TIMES: '2' }, asyncRetries: 2, concurrency: 1 }),
        fn('hopeless', 'flaky', { env: { FAIL_TIMES: '99' }, asyncRetries: 1, concurrency: 1 }),
        fn('env', 'env', { env: { GREETING: 'hi' } }),
        fn('http', 'http'),
        fn('http64', 'http', { httpBodyEncoding: 'base64' }),
        fn('httpbin', 'httpBinary'),
        fn('memory', 'memory'),
      ],
    });
    client = new FC(host.accountId, host.fc2Options());
  });

  after(async () => {
    delete process.env.HOST_ONLY_SECRET;
    await host.close();
  });

  describe('invoke API through @alicloud/fc2', () => {
    test('runs the handler with a Buffer event and FC context', async () => {
      const res = await client.invokeFunction('local', 'echo', Buffer.from('{"a":1}'));
      const out = JSON.parse(res.data as string) as Record<string, unknown>;
      assert.equal(out.isBuffer, true);
      assert.equal(Buffer.from(out.event as string, 'base64').toString(), '{"a":1}');
      assert.equal(out.requestId, res.headers['x-fc-request-id']);
      assert.match(String(out.requestId), /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      assert.deepEqual(out.credentials, credentials);
      assert.deepEqual(out.function, { name: 'echo', handler: 'handlers.echo', memory: 256, timeout: 7 });
      assert.equal(out.region, 'cn-shanghai');
      assert.equal(out.accountId, '1111222233334444');
      assert.equal((out.service as { name: string }).name, 'local');
    });

    test('returns strings, bytes and callback results as FC does', async () => {
      assert.equal((await client.invokeFunction('local', 'text', 'world')).data, 'hello world');
      const bytes = await client.invokeFunction('local', 'bytes', '', {}, undefined, { rawBuf: true });
      assert.deepEqual(bytes.data, Buffer.from([0, 1, 2, 253, 254, 255]));
      const cb = await client.invokeFunction('local', 'cb', 'x', {}, 'LATEST');
      assert.deepEqual(JSON.parse(cb.data as string), { via: 'callback', event: 'x' });
    });

    test('refuses a wrong secret, an unknown key, service or function with FC error codes', async () => {
      const wrongSecret = new FC(host.accountId, { ...host.fc2Options(), accessKeySecret: 'nope' });
      const e1 = await rejection(wrongSecret.invokeFunction('local', 'echo', 'x'));
      assert.equal(e1.name, 'FCSignatureNotMatchError');
      assert.equal(e1.code, 'SignatureNotMatch');
      assert.match(e1.message, /failed with 403/);
      assert.doesNotMatch(e1.message, /nope/);

      const wrongKey = new FC(host.accountId, { ...host.fc2Options(), accessKeyID: 'LTAI-other' });
      const e2 = await rejection(wrongKey.invokeFunction('local', 'echo', 'x'));
      assert.equal(e2.name, 'FCInvalidAccessKeyIDError');
      assert.match(e2.message, /invalid access key ID 'LTAI-other'/);

      const e3 = await rejection(client.invokeFunction('other', 'echo', 'x'));
      assert.equal(e3.code, 'ServiceNotFound');
      assert.match(e3.message, /failed with 404/);
      const e4 = await rejection(client.invokeFunction('local', 'nope', 'x'));
      assert.equal(e4.code, 'FunctionNotFound');
    });

    test('reports a thrown error as UnhandledInvocationError with the error JSON', async () => {
      const res = await client.invokeFunction('local', 'fail', 'x');
      assert.equal(res.headers['x-fc-error-type'], 'UnhandledInvocationError');
      const body = res.data as { errorMessage: string; errorType: string; stackTrace: string[] };
      assert.equal(body.errorMessage, 'boom');
      assert.equal(body.errorType, 'TypeError');
      assert.ok(Array.isArray(body.stackTrace) && body.stackTrace[0].startsWith('TypeError: boom'));
    });

    test('times a slow handler out and serves the next request from a fresh instance', async () => {
      const res = await client.invokeFunction('local', 'slow', '5000');
      assert.equal(res.headers['x-fc-error-type'], 'UnhandledInvocationError');
      assert.match((res.data as { errorMessage: string }).errorMessage, /^Function timed out after 0\.5 seconds/);
      const ok = await client.invokeFunction('local', 'slow', '10');
      assert.equal(ok.data, 'slept 10');
      const stats = host.stats().functions.slow;
      assert.equal(stats.timeouts, 1);
      assert.equal(stats.coldStarts, 2);
    });

    test('reports a process exit as FC does and recovers', async () => {
      const res = await client.invokeFunction('local', 'crash', 'x');
      assert.equal(res.headers['x-fc-error-type'], 'UnhandledInvocationError');
      assert.match((res.data as { errorMessage: string }).errorMessage, /^Process exited unexpectedly before completing request \(duration: \d+ms/);
      const again = await client.invokeFunction('local', 'crash', 'x');
      assert.equal(again.headers['x-fc-error-type'], 'UnhandledInvocationError');
      assert.equal(host.stats().functions.crash.crashes, 2);
    });

    test('returns the invocation log tail when asked', async () => {
      const res = await client.invokeFunction('local', 'echo', 'x', { 'X-Fc-Log-Type': 'Tail' });
      const tail = Buffer.from(String(res.headers['x-fc-log-result']), 'base64').toString();
      assert.match(tail, new RegExp(`${String(res.headers['x-fc-request-id'])} \\[INFO\\] echo called`));
    });

    test('queues async invocations and retries failures with backoff', async () => {
      const ok = await client.invokeFunction('local', 'flaky', 'job', { 'x-fc-invocation-type': 'Async' });
      assert.equal(ok.data, '');
      const okId = String(ok.headers['x-fc-request-id']);
      const bad = await client.invokeFunction('local', 'hopeless', 'job', { 'X-Fc-Invocation-Type': 'Async' });
      const badId = String(bad.headers['x-fc-request-id']);
      await host.asyncIdle();
      const outcomes = host.stats().async.outcomes;
      const good = outcomes.find((o) => o.requestId === okId);
      assert.deepEqual([good?.status, good?.attempts], ['succeeded', 3]);
      const failed = outcomes.find((o) => o.requestId === badId);
      assert.deepEqual([failed?.status, failed?.attempts, failed?.error?.errorMessage], ['failed', 2, 'flaky failure 2']);
      assert.ok(logs.some((l) => l.includes(badId) && l.includes('failed after 2 attempts')));
    });

    test('refuses an async payload over 128 KB', async () => {
      const err = await rejection(client.invokeFunction('local', 'echo', Buffer.alloc(129 * 1024), { 'x-fc-invocation-type': 'Async' }));
      assert.equal(err.code, 'EntityTooLarge');
    });
  });

  describe('instances', () => {
    test('give each function only its own environment and FC variables', async () => {
      const r = (await host.invoke('env', Buffer.alloc(0))) as FcSyncResult;
      assert.deepEqual(JSON.parse(r.payload.toString()), {
        GREETING: 'hi',
        FC_FUNCTION_NAME: 'env',
        FC_FUNCTION_HANDLER: 'handlers.env',
        FC_FUNCTION_MEMORY_SIZE: '512',
        FC_REGION: 'cn-shanghai',
        FC_ACCOUNT_ID: '1111222233334444',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.role-key',
        execArgv: [],
      });
    });

    test('serve one request at a time each, up to the concurrency limit', async () => {
      const started = Date.now();
      const results = await Promise.all([host.invoke('serial', Buffer.from('200')), host.invoke('serial', Buffer.from('200'))]);
      assert.ok(Date.now() - started >= 400, 'the second request waited for the only instance');
      assert.deepEqual(results.map((r) => r.payload.toString()), ['slept 200', 'slept 200']);
      assert.equal(host.stats().functions.serial.coldStarts, 1);
    });

    test('report the peak memory of the function', async () => {
      const r = await host.invoke('memory', Buffer.from('64'));
      assert.ok(r.ok);
      assert.ok(r.maxRssBytes > 64 * 1024 * 1024, `peak RSS ${r.maxRssBytes}`);
      assert.ok(host.stats().functions.memory.peakRssBytes >= r.maxRssBytes);
    });
  });

  describe('HTTP trigger', () => {
    test('delivers the FC 3.0 event: raw path, canonical headers, joined values, text body', async () => {
      const base = host.httpTriggerUrl('http');
      const body = Buffer.from('bucket=b&object=a%2Fb.txt');
      const res = await httpRequest(`${base}/cb/a%2Fb%20c?x=1&x=2&y=%2F`, 'POST', {
        'content-type': 'application/x-www-form-urlencoded',
        'x-oss-pub-key-url': 'aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=',
        'x-multi': ['a', 'b'],
        'User-Agent': 'aliyun-oss-callback',
      }, body);
      assert.equal(res.status, 201);
      assert.equal(res.headers['x-echo'], 'yes');
      const event = JSON.parse(res.body.toString()) as {
        version: string;
        rawPath: string;
        headers: Record<string, string>;
        queryParameters: Record<string, string>;
        body: string;
        isBase64Encoded: boolean;
        requestContext: Record<string, unknown> & { http: Record<string, string>; requestId: string; time: string; timeEpoch: string };
      };
      assert.equal(res.headers['x-fc-request-id'], event.requestContext.requestId);
      assert.equal(event.version, 'v1');
      assert.equal(event.rawPath, '/cb/a%2Fb%20c');
      assert.equal(event.requestContext.http.path, '/cb/a/b c');
      assert.equal(event.headers['X-Oss-Pub-Key-Url'], 'aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=');
      assert.equal(event.headers['Content-Type'], 'application/x-www-form-urlencoded');
      assert.equal(event.headers['X-Multi'], 'a,b');
      assert.equal(event.headers['Host'], undefined);
      assert.deepEqual(event.queryParameters, { x: '1,2', y: '/' });
      assert.equal(event.isBase64Encoded, false);
      assert.equal(event.body, body.toString());
      assert.equal(event.requestContext.http.method, 'POST');
      assert.equal(event.requestContext.http.protocol, 'HTTP/1.1');
      assert.equal(event.requestContext.http.sourceIp, '127.0.0.1');
      assert.equal(event.requestContext.http.userAgent, 'aliyun-oss-callback');
      assert.equal(event.requestContext.accountId, '1111222233334444');
      assert.match(event.requestContext.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(event.requestContext.timeEpoch, /^\d{13}$/);
      // Same fields as the sample FC sends (test/conformance/fc-events/http.json).
      assert.deepEqual(Object.keys(event).sort(), Object.keys(sampleEvent).sort());
      const sampleCtx = sampleEvent.requestContext as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(event.requestContext).sort(), Object.keys(sampleCtx).sort());
      assert.deepEqual(Object.keys(event.requestContext.http).sort(), Object.keys(sampleCtx.http).sort());
    });

    test('passes binary bodies as Base64, and all bodies when so configured', async () => {
      const bytes = Buffer.from([0, 159, 146, 150, 255]);
      const res = await httpRequest(`${host.httpTriggerUrl('http')}/bin`, 'PUT', { 'content-type': 'application/octet-stream' }, bytes);
      const event = JSON.parse(res.body.toString()) as { body: string; isBase64Encoded: boolean };
      assert.equal(event.isBase64Encoded, true);
      assert.deepEqual(Buffer.from(event.body, 'base64'), bytes);

      const forced = await httpRequest(`${host.httpTriggerUrl('http64')}/t`, 'POST', { 'content-type': 'application/json' }, Buffer.from('{"a":1}'));
      const ev2 = JSON.parse(forced.body.toString()) as { body: string; isBase64Encoded: boolean };
      assert.equal(ev2.isBase64Encoded, true);
      assert.equal(Buffer.from(ev2.body, 'base64').toString(), '{"a":1}');
    });

    test('maps Base64 response bodies, plain objects and errors as FC does', async () => {
      const bin = await httpRequest(`${host.httpTriggerUrl('httpbin')}/`, 'GET', {});
      assert.equal(bin.status, 200);
      assert.equal(bin.headers['content-type'], 'application/octet-stream');
      assert.deepEqual(bin.body, Buffer.from([0, 200, 255, 10]));

      const plain = await httpRequest(`${host.httpTriggerUrl('plain')}/`, 'GET', {});
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(plain.body.toString()), { hello: 'world' });

      const failed = await httpRequest(`${host.httpTriggerUrl('fail')}/`, 'POST', {}, Buffer.from('x'));
      assert.equal(failed.status, 502);
      assert.equal(failed.headers['x-fc-error-type'], 'UnhandledInvocationError');
      assert.equal((JSON.parse(failed.body.toString()) as { errorMessage: string }).errorMessage, 'boom');

      const slow = await httpRequest(`${host.httpTriggerUrl('slow')}/`, 'POST', { 'content-type': 'text/plain' }, Buffer.from('5000'));
      assert.equal(slow.status, 502);
      assert.match((JSON.parse(slow.body.toString()) as { errorMessage: string }).errorMessage, /timed out/);
    });
  });
});

describe('local FC host configuration', () => {
  async function reasonOf(spec: FcFunctionSpec): Promise<string> {
    try {
      const h = await startFcHost({ functions: [spec] });
      await h.close();
    } catch (err) {
      assert.ok(err instanceof FcHostConfigError);
      return err.reason;
    }
    return 'accepted';
  }

  test('refuses what FC would refuse', async () => {
    assert.equal(await reasonOf(fn('a', 'echo', { env: { FC_REGION: 'x' } })), 'reserved_env');
    assert.equal(await reasonOf(fn('a', 'echo', { env: { BIG: 'x'.repeat(5000) } })), 'env_too_large');
    assert.equal(await reasonOf({ name: 'a', bundle, handler: 'index.handler' }), 'invalid_function_spec');
    assert.equal(await reasonOf({ name: 'a', bundle: '/nonexistent/index.js' }), 'bundle_not_found');
    assert.equal(await reasonOf(fn('a', 'echo', { asyncRetries: 9 })), 'invalid_function_spec');
  });
});
