// The local FC host running a custom-runtime function as FC 3.0 does (local/fc-host/custom-instances.ts):
// one process per instance started from its command, many requests at once up to
// instanceConcurrency, a new instance only when the others are full, FC's x-fc-* context
// headers on every request, POST /invoke for API invocations, a crash failing only the
// requests it took, and billed instance time that counts overlapping requests once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { FC_NODE20 } from '../../../local/fc-host/custom-instances';
import { startFcHost, FcHostConfigError, type FcHost, type FcFunctionSpec } from '../../../local/fc-host/index';

const bundle = fileURLToPath(new URL('../../support/fixtures/custom-server.mjs', import.meta.url));
const credentials = { accessKeyId: 'STS.role-key', accessKeySecret: 'role-secret', securityToken: 'role-token' };

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  pid: number;
  inFlight: number;
  maxInFlight: number;
}

function send(url: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
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

function spec(name: string, extra: Partial<FcFunctionSpec> = {}): FcFunctionSpec {
  return {
    name,
    bundle,
    runtime: 'custom.debian10',
    customRuntimeConfig: { command: [FC_NODE20], args: ['/code/custom-server.mjs'], port: 9000 },
    instanceConcurrency: 5,
    concurrency: 4,
    timeoutMs: 5000,
    ...extra,
  };
}

describe('local FC host: custom runtime', () => {
  let host: FcHost;
  const lines: { fn: string; requestId: string; message: string }[] = [];

  before(async () => {
    host = await startFcHost({ credentials, functions: [spec('web'), spec('solo', { instanceConcurrency: 1, concurrency: 1 })], onLog: (e) => lines.push(e) });
  });
  after(() => host.close());

  test('a request reaches the server as sent, plus FC context headers; the client cannot send x-fc-* headers', async () => {
    const res = await send(`${host.httpTriggerUrl('web')}/a%2Fb/c?x=1&x=2`, 'POST', { 'Content-Type': 'text/plain', 'X-Oss-Thing': 'kept', 'x-fc-access-key-id': 'forged' }, 'the body');
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body.toString()) as Echo;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.url, '/a%2Fb/c?x=1&x=2', 'path and query untouched');
    assert.equal(echo.body, 'the body');
    assert.equal(echo.headers['x-oss-thing'], 'kept');
    assert.equal(echo.headers['x-fc-request-id'], res.headers['x-fc-request-id'], 'the request id FC answers with');
    assert.equal(echo.headers['x-fc-access-key-id'], credentials.accessKeyId, "the role's keys, not the client's");
    assert.equal(echo.headers['x-fc-access-key-secret'], credentials.accessKeySecret);
    assert.equal(echo.headers['x-fc-security-token'], credentials.securityToken);
    assert.equal(echo.headers['x-fc-function-name'], 'web');
    assert.equal(res.headers['x-custom'], 'yes', "the function's own headers come back");
    // stdout is a pipe of its own: its line may arrive after the HTTP answer.
    const logged = () => lines.some((l) => l.fn === 'web' && l.requestId === echo.headers['x-fc-request-id']);
    for (let i = 0; i < 100 && !logged(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(logged(), 'stdout lines are the function log, with their request id');
  });

  test('many requests share an instance up to instanceConcurrency; a second instance starts only when the first is full', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(`${host.httpTriggerUrl('web')}/slow?sleep=300`, 'GET', {})));
    const echoes = answers.map((a) => JSON.parse(a.body.toString()) as Echo);
    assert.ok(echoes.every((e) => e.maxInFlight <= 5), 'no instance took more than instanceConcurrency at once');
    assert.ok(echoes.some((e) => e.maxInFlight > 1), 'an instance served several requests at once');
    const pids = new Set(echoes.map((e) => e.pid));
    assert.equal(pids.size, 2, '10 requests, 5 per instance: 2 instances');
    const stats = host.stats().functions.web!;
    assert.equal(stats.runtime, 'custom.debian10');
    assert.equal(stats.peakInstances, 2);
  });

  test('billed instance time counts overlapping requests once', async () => {
    const before = host.stats().functions.solo!.activeMs;
    const started = Date.now();
    // instanceConcurrency 1 and one instance: these run one after another.
    await Promise.all(Array.from({ length: 3 }, () => send(`${host.httpTriggerUrl('solo')}/?sleep=100`, 'GET', {})));
    const wall = Date.now() - started;
    const soloMs = host.stats().functions.solo!.activeMs - before;
    assert.ok(soloMs <= wall, 'one instance is never billed more than the time that passed');

    const webBefore = host.stats().functions.web!.activeMs;
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(`${host.httpTriggerUrl('web')}/?sleep=200`, 'GET', {})));
    const webWall = Date.now() - t0;
    const pids = new Set(answers.map((a) => (JSON.parse(a.body.toString()) as Echo).pid));
    const webMs = host.stats().functions.web!.activeMs - webBefore;
    // Each request takes at least 200 ms, so their durations sum to at least 1000 ms; the
    // instances that served them are billed at most the wall time each.
    assert.ok(webMs <= webWall * pids.size, `billed ${webMs} ms on ${pids.size} instance(s) within ${webWall} ms`);
    assert.ok(webMs < 5 * 200, 'less than the sum of the request durations');
  });

  test('an API invocation is POST /invoke with the event as body', async () => {
    const result = await host.invoke('web', Buffer.from('{"a":1}'));
    assert.equal(result.ok, true);
    assert.equal(result.payload.toString(), 'echo:{"a":1}');
  });

  test('a crash fails the requests in flight on that instance with FC’s 502; the next request gets a new instance', async () => {
    const crashed = await send(`${host.httpTriggerUrl('solo')}/crash`, 'GET', {});
    assert.equal(crashed.status, 502);
    assert.equal(crashed.headers['x-fc-error-type'], 'UnhandledInvocationError');
    const next = await send(`${host.httpTriggerUrl('solo')}/`, 'GET', {});
    assert.equal(next.status, 200);
    assert.ok(host.stats().functions.solo!.crashes >= 1);
  });

  test('a custom runtime needs a command; instanceConcurrency is 1-200 as the fc3 schema says', async () => {
    await assert.rejects(startFcHost({ functions: [spec('x', { customRuntimeConfig: { command: [] } })] }), FcHostConfigError);
    await assert.rejects(startFcHost({ functions: [spec('x', { instanceConcurrency: 201 })] }), FcHostConfigError);
  });
});
