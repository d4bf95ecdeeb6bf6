// Upload callbacks through the real ali-oss client: the body OSS fills and sends, its
// headers and RSA signature (checked with lib/callback/verify.ts), the callback's JSON
// passed back as result.data, and 203 CallbackFailed for every failure cause.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import { encodeCallback, type CallbackBodyType } from '../../../lib/protocol/encode';
import { PublicKeyCache } from '../../../lib/callback/public-key';
import { CallbackVerificationError, verifyOssCallback } from '../../../lib/callback/verify';
import { crc64 } from '../../../local/oss/crc64';
import type { OssEmulator } from '../../../local/oss/index';
import { base64Json, clientFor, closedPort, startCallbackServer, startEmulator, type CallbackServer, type ReceivedCallback, rejection } from '../../support/oss-emulator';

const BUCKET = 'callback-test';
const TRICKY_KEY = 'uploads/a b+c/文件 ü=&.txt';
const FORM_TEMPLATE =
  'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&crc64=${crc64}' +
  '&contentMd5=${contentMd5}&operation=${operation}&reqId=${reqId}&clientIp=${clientIp}&height=${imageInfo.height}&job=${x:job}&note=${x:note}';
const JSON_TEMPLATE =
  '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},"crc64":${crc64},' +
  '"contentMd5":${contentMd5},"operation":${operation},"height":"${imageInfo.height}","job":${x:job},"note":${x:note}}';

function callbackHeaders(urls: string | string[], body: string, bodyType?: CallbackBodyType, host?: string): Record<string, string> {
  const headers = encodeCallback({ urls, body, bodyType, host, vars: { 'x:job': 'job-1', 'x:note': 'a/b c+d 中' } });
  return { ...headers } as Record<string, string>;
}

async function verify(emulator: OssEmulator, request: ReceivedCallback): Promise<void> {
  const q = request.url.indexOf('?');
  await verifyOssCallback(
    { path: q < 0 ? request.url : request.url.slice(0, q), query: q < 0 ? undefined : request.url.slice(q + 1), headers: request.headers, body: request.body },
    { allowedKeyUrlPrefixes: [emulator.publicKeyUrlPrefix], keyCache: new PublicKeyCache() },
  );
}

describe('OSS emulator: upload callbacks', () => {
  let emulator: OssEmulator;
  let client: OSS;
  let callbacks: CallbackServer;

  before(async () => {
    emulator = await startEmulator({ callbackTimeoutMs: 400 });
    client = clientFor(emulator, BUCKET);
    callbacks = await startCallbackServer();
  });
  after(async () => {
    await callbacks.close();
    await emulator.close();
  });
  beforeEach(() => {
    callbacks.received.length = 0;
    callbacks.answer = () => ({});
  });

  test('PutObject with a form callback: every field, the headers, a valid signature, result.data', async () => {
    const body = Buffer.from('callback me');
    callbacks.answer = () => ({ body: JSON.stringify({ ok: true, recorded: 'yes' }) });
    const put = await client.put(TRICKY_KEY, body, { mime: 'text/plain', headers: callbackHeaders(`${callbacks.url}/oss-callback`, FORM_TEMPLATE) });
    assert.equal(put.res.status, 200);
    assert.deepEqual((put as unknown as { data: unknown }).data, { ok: true, recorded: 'yes' });
    assert.equal(callbacks.received.length, 1);
    const request = callbacks.received[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/oss-callback');
    const text = request.body.toString('utf8');
    // OSS percent-encodes inserted values in form bodies ('/' -> %2F, ' ' -> %20, '+' -> %2B).
    assert.ok(text.includes('object=uploads%2Fa%20b%2Bc%2F%E6%96%87%E4%BB%B6%20%C3%BC%3D%26.txt'), text);
    const fields = Object.fromEntries(new URLSearchParams(text));
    const md5 = createHash('md5').update(body).digest();
    assert.deepEqual(fields, {
      bucket: BUCKET,
      object: TRICKY_KEY,
      etag: md5.toString('hex').toUpperCase(),
      size: String(body.length),
      mimeType: 'text/plain',
      crc64: crc64(body).toString(),
      contentMd5: md5.toString('base64'),
      operation: 'PutObject',
      reqId: (put.res.headers as Record<string, string>)['x-oss-request-id'],
      clientIp: '127.0.0.1',
      height: '',
      job: 'job-1',
      note: 'a/b c+d 中',
    });
    const h = request.headers;
    assert.equal(h['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(h['user-agent'], 'aliyun-oss-callback');
    assert.equal(h['x-oss-tag'], 'CALLBACK');
    assert.equal(h['x-oss-bucket'], BUCKET);
    assert.equal(h['x-oss-signature-version'], '1.0');
    assert.equal(h['x-oss-request-id'], fields.reqId);
    assert.match(String(h['x-oss-requester']), /^\d+$/);
    assert.ok(!Number.isNaN(Date.parse(String(h.date))));
    assert.equal(h['content-md5'], createHash('md5').update(request.body).digest('base64'));
    assert.equal(Buffer.from(String(h['x-oss-pub-key-url']), 'base64').toString(), emulator.publicKeyUrl);
    assert.equal(h.host, new URL(callbacks.url).host);
    await verify(emulator, request);
    await assert.rejects(verify(emulator, { ...request, body: Buffer.from(text.replace('job-1', 'job-2')) }), CallbackVerificationError);
    assert.equal((await client.get(TRICKY_KEY)).content.toString(), 'callback me');
  });

  test('a JSON callback body: strings quoted, numbers bare, valid JSON', async () => {
    const body = Buffer.from('{json}');
    await client.put(TRICKY_KEY, body, { headers: callbackHeaders(`${callbacks.url}/json`, JSON_TEMPLATE, 'application/json') });
    const request = callbacks.received[0]!;
    assert.equal(request.headers['content-type'], 'application/json');
    const text = request.body.toString('utf8');
    assert.ok(text.includes(`"size":${body.length},`), text);
    assert.deepEqual(JSON.parse(text), {
      bucket: BUCKET,
      object: TRICKY_KEY,
      etag: createHash('md5').update(body).digest('hex').toUpperCase(),
      size: body.length,
      mimeType: 'text/plain',
      crc64: crc64(body).toString(),
      contentMd5: createHash('md5').update(body).digest('base64'),
      operation: 'PutObject',
      height: '',
      job: 'job-1',
      note: 'a/b c+d 中',
    });
    await verify(emulator, request);
  });

  test('the signature covers an encoded path and a query string; callbackHost sets Host', async () => {
    // Our encoder refuses query strings (FC gives no raw query), but OSS accepts them.
    const url = `${callbacks.url}/cb%20dir/%E6%96%87?a=1&b=x%2By`;
    const headers = { 'x-oss-callback': base64Json({ callbackUrl: url, callbackBody: 'object=${object}', callbackHost: 'callback.example.com' }) };
    await client.put('q.txt', Buffer.from('q'), { headers });
    const request = callbacks.received[0]!;
    assert.equal(request.url, '/cb%20dir/%E6%96%87?a=1&b=x%2By');
    assert.equal(request.headers.host, 'callback.example.com');
    await verify(emulator, request);
  });

  test('several URLs are tried in order until one answers 200', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/first`;
    callbacks.answer = (r) => (r.url === '/second' ? { status: 500 } : { body: '{"which":"third"}' });
    const put = await client.put('multi.txt', Buffer.from('m'), { headers: callbackHeaders([dead, `${callbacks.url}/second`, `${callbacks.url}/third`], 'object=${object}') });
    assert.deepEqual((put as unknown as { data: unknown }).data, { which: 'third' });
    assert.deepEqual(callbacks.received.map((r) => r.url), ['/second', '/third']);
  });

  test("ali-oss's own callback option works", async () => {
    const put = await client.put('sdk.txt', Buffer.from('s'), {
      callback: { url: `${callbacks.url}/sdk`, body: 'object=${object}&v=${x:v}', customValue: { v: 'value' } },
    } as unknown as OSS.PutObjectOptions);
    assert.deepEqual((put as unknown as { data: unknown }).data, { Status: 'OK' });
    assert.equal(callbacks.received[0]!.body.toString(), 'object=sdk.txt&v=value');
  });

  test('CompleteMultipartUpload with a callback: multipart ETag, empty contentMd5, the callback JSON replaces the XML', async () => {
    const key = 'multi part/é.bin';
    const content = randomBytes(100 * 1024 + 10);
    const dir = await mkdtemp(join(tmpdir(), 'oss-callback-'));
    const file = join(dir, 'content.bin');
    await writeFile(file, content);
    const init = await client.initMultipartUpload(key);
    const p1 = await client.uploadPart(key, init.uploadId, 1, file, 0, 100 * 1024);
    const p2 = await client.uploadPart(key, init.uploadId, 2, file, 100 * 1024, content.length);
    await rm(dir, { recursive: true, force: true });
    callbacks.answer = () => ({ body: '{"multipart":true}' });
    const done = await client.completeMultipartUpload(
      key,
      init.uploadId,
      [
        { number: 1, etag: p1.etag },
        { number: 2, etag: p2.etag },
      ],
      { headers: callbackHeaders(`${callbacks.url}/complete`, FORM_TEMPLATE) } as unknown as OSS.CompleteMultipartUploadOptions,
    );
    assert.deepEqual((done as unknown as { data: unknown }).data, { multipart: true });
    const fields = Object.fromEntries(new URLSearchParams(callbacks.received[0]!.body.toString()));
    assert.equal(fields.object, key);
    assert.equal(fields.size, String(content.length));
    assert.equal(fields.operation, 'CompleteMultipartUpload');
    assert.equal(fields.contentMd5, '');
    assert.equal(fields.crc64, crc64(content).toString());
    assert.match(fields.etag!, /^[0-9A-F]{32}-2$/);
    assert.equal(`"${fields.etag}"`, done.etag);
    await verify(emulator, callbacks.received[0]!);
  });

  describe('203 CallbackFailed: the object is stored anyway', () => {
    const cases: { name: string; message: RegExp; setup: (cb: CallbackServer) => Promise<string> }[] = [
      {
        name: 'a non-200 answer',
        message: /^Error status : 404\.$/,
        setup: async (cb) => {
          cb.answer = () => ({ status: 404, body: 'nope' });
          return `${cb.url}/missing`;
        },
      },
      {
        name: 'a body that is not JSON',
        message: /not valid json/,
        setup: async (cb) => {
          cb.answer = () => ({ body: 'OK', contentType: 'text/plain' });
          return `${cb.url}/text`;
        },
      },
      {
        name: 'a JSON body with a BOM',
        message: /not valid json/,
        setup: async (cb) => {
          cb.answer = () => ({ body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]) });
          return `${cb.url}/bom`;
        },
      },
      {
        name: 'a body over 1 MB',
        message: /too long content-length/,
        setup: async (cb) => {
          cb.answer = () => ({ body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) });
          return `${cb.url}/long`;
        },
      },
      {
        name: 'no Content-Length',
        message: /missing content-length/,
        setup: async (cb) => {
          cb.answer = () => ({ chunked: true });
          return `${cb.url}/chunked`;
        },
      },
      {
        name: 'a timeout',
        message: /Cost too long time/,
        setup: async (cb) => {
          cb.answer = () => ({ delayMs: 1500 });
          return `${cb.url}/slow`;
        },
      },
      {
        name: 'a refused connection',
        message: /can not connect to your callbackUrl/,
        setup: async () => `http://127.0.0.1:${await closedPort()}/refused`,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const url = await c.setup(callbacks);
        const key = `failed/${c.name}.txt`;
        const error = await rejection(client.put(key, Buffer.from(c.name), { headers: callbackHeaders(url, 'object=${object}') }));
        assert.equal(error.name, 'CallbackFailedError');
        assert.equal(error.status, 203);
        assert.equal(error.code, 'CallbackFailed');
        assert.equal(error.ecCode, '0007-00000203');
        assert.match(error.message, c.message);
        assert.match(error.requestId!, /^[0-9A-F]{24}$/);
        assert.equal((await client.get(key)).content.toString(), c.name);
      });
    }
  });

  describe('invalid callback parameters: 400 InvalidArgument, nothing stored, no callback', () => {
    const cases: { name: string; headers: () => Record<string, string>; ec?: string }[] = [
      { name: 'not Base64', headers: () => ({ 'x-oss-callback': '!!not base64!!' }), ec: '0007-00000002' },
      { name: 'not JSON', headers: () => ({ 'x-oss-callback': Buffer.from('{nope').toString('base64') }), ec: '0007-00000003' },
      {
        name: 'six URLs',
        headers: () => ({ 'x-oss-callback': base64Json({ callbackUrl: Array.from({ length: 6 }, (_, i) => `${callbacks.url}/${i}`).join(';'), callbackBody: 'a=b' }) }),
        ec: '0007-00000005',
      },
      { name: 'an empty body', headers: () => ({ 'x-oss-callback': base64Json({ callbackUrl: `${callbacks.url}/x`, callbackBody: '' }) }), ec: '0007-00000011' },
      {
        name: 'a callback-var that is not JSON',
        headers: () => ({ 'x-oss-callback': base64Json({ callbackUrl: `${callbacks.url}/x`, callbackBody: 'a=b' }), 'x-oss-callback-var': Buffer.from('[').toString('base64') }),
        ec: '0007-00000103',
      },
      {
        name: 'an uppercase custom variable key',
        headers: () => ({ 'x-oss-callback': base64Json({ callbackUrl: `${callbacks.url}/x`, callbackBody: 'a=b' }), 'x-oss-callback-var': base64Json({ 'x:Job': '1' }) }),
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const key = `invalid/${c.name}.txt`;
        const error = await rejection(client.put(key, Buffer.from('x'), { headers: c.headers() }));
        assert.equal(error.name, 'InvalidArgumentError');
        assert.equal(error.status, 400);
        assert.equal(error.ecCode, c.ec);
        assert.equal((await rejection(client.get(key))).code, 'NoSuchKey');
        assert.equal(callbacks.received.length, 0);
      });
    }
  });

  test('a failed upload sends no callback', async () => {
    const wrong = createHash('md5').update('other').digest('base64');
    const error = await rejection(client.put('bad-digest.txt', Buffer.from('x'), { headers: { ...callbackHeaders(`${callbacks.url}/x`, 'a=b'), 'Content-MD5': wrong } }));
    assert.equal(error.code, 'BadDigest');
    assert.equal(callbacks.received.length, 0);
  });
});
