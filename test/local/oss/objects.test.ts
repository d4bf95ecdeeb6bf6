// The real ali-oss client against the emulator: buckets, simple objects, listing,
// signatures and OSS's error answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import { crc64 } from '../../../local/oss/crc64';
import type { OssEmulator } from '../../../local/oss/index';
import { clientFor, startEmulator, rejection } from '../../support/oss-emulator';

const BUCKET = 'objects-test';

describe('OSS emulator: objects, listing, signatures', () => {
  let emulator: OssEmulator;
  let client: OSS;

  before(async () => {
    emulator = await startEmulator();
    client = clientFor(emulator, BUCKET);
    const created = await client.putBucket(BUCKET);
    assert.equal(created.res.status, 200);
    assert.equal(created.bucket, BUCKET);
  });
  after(() => emulator.close());

  test('PutObject answers ETag, Content-MD5 and CRC-64 of the body; GetObject returns it with metadata', async () => {
    const body = Buffer.from('hello, emulator');
    const md5 = createHash('md5').update(body).digest();
    const put = await client.put('docs/hello.txt', body, { meta: { owner: 'me' } as unknown as OSS.UserMeta, mime: 'text/plain' });
    assert.equal(put.res.status, 200);
    const headers = put.res.headers as Record<string, string>;
    assert.equal(headers.etag, `"${md5.toString('hex').toUpperCase()}"`);
    assert.equal(headers['content-md5'], md5.toString('base64'));
    assert.equal(headers['x-oss-hash-crc64ecma'], crc64(body).toString());
    assert.match(headers['x-oss-request-id']!, /^[0-9A-F]{24}$/);

    const got = await client.get('docs/hello.txt');
    assert.deepEqual(got.content, body);
    const gh = got.res.headers as Record<string, string>;
    assert.equal(gh['content-type'], 'text/plain');
    assert.equal(gh['x-oss-meta-owner'], 'me');
    assert.equal(gh['x-oss-object-type'], 'Normal');
    assert.ok(!Number.isNaN(Date.parse(gh['last-modified']!)));
  });

  test('keys with spaces, "+", "/" and non-ASCII round-trip', async () => {
    const key = 'dir/a b+c/文件 ü.txt';
    await client.put(key, Buffer.from('x'));
    assert.equal((await client.get(key)).content.toString(), 'x');
    const listed = await client.list({ prefix: 'dir/', 'max-keys': 10 }, {});
    assert.deepEqual(listed.objects.map((o) => o.name), [key]);
  });

  test('GetObject with Range: 206 and Content-Range; an unsatisfiable range returns the whole object unless x-oss-range-behavior is standard', async () => {
    await client.put('range.txt', Buffer.from('0123456789'));
    const part = await client.get('range.txt', { headers: { Range: 'bytes=2-5' } });
    assert.equal(part.res.status, 206);
    assert.equal(part.content.toString(), '2345');
    assert.equal((part.res.headers as Record<string, string>)['content-range'], 'bytes 2-5/10');
    const suffix = await client.get('range.txt', { headers: { Range: 'bytes=-3' } });
    assert.equal(suffix.content.toString(), '789');
    const whole = await client.get('range.txt', { headers: { Range: 'bytes=50-60' } });
    assert.equal(whole.res.status, 200);
    assert.equal(whole.content.toString(), '0123456789');
    const strict = await rejection(client.get('range.txt', { headers: { Range: 'bytes=50-60', 'x-oss-range-behavior': 'standard' } }));
    assert.equal(strict.status, 416);
    assert.equal(strict.code, 'InvalidRange');
  });

  test('HeadObject returns the metadata; a missing key is NoSuchKey', async () => {
    await client.put('head.txt', Buffer.from('abc'), { meta: { tag: 'v1' } as unknown as OSS.UserMeta });
    const head = await client.head('head.txt');
    assert.equal(head.status, 200);
    assert.deepEqual(head.meta, { tag: 'v1' });
    assert.equal((head.res.headers as Record<string, string>)['content-length'], '3');
    const missing = await rejection(client.head('no-such-key'));
    assert.equal(missing.name, 'NoSuchKeyError');
    assert.equal(missing.status, 404);
  });

  test('GetObject of a missing key: 404 NoSuchKey with OSS EC and request id', async () => {
    const error = await rejection(client.get('missing.txt'));
    assert.equal(error.name, 'NoSuchKeyError');
    assert.equal(error.status, 404);
    assert.equal(error.ecCode, '0026-00000001');
    assert.match(error.requestId!, /^[0-9A-F]{24}$/);
  });

  test('a bucket that does not exist: 404 NoSuchBucket', async () => {
    const other = clientFor(emulator, 'no-such-bucket');
    const error = await rejection(other.get('a.txt'));
    assert.equal(error.name, 'NoSuchBucketError');
    assert.equal(error.status, 404);
    assert.equal(error.ecCode, '0015-00000101');
    const listing = await rejection(other.list(null, {}));
    assert.equal(listing.code, 'NoSuchBucket');
  });

  test('buckets are created on first write', async () => {
    const fresh = clientFor(emulator, 'auto-created');
    await fresh.put('k', Buffer.from('v'));
    assert.equal((await fresh.get('k')).content.toString(), 'v');
  });

  test('DeleteObject answers 204, also for a missing key', async () => {
    await client.put('gone.txt', Buffer.from('bye'));
    assert.equal((await client.delete('gone.txt')).res.status, 204);
    assert.equal((await rejection(client.get('gone.txt'))).code, 'NoSuchKey');
    assert.equal((await client.delete('never-was.txt')).res.status, 204);
  });

  test('ListObjects: prefix, delimiter, marker, max-keys', async () => {
    const c = clientFor(emulator, 'list-v1');
    for (const key of ['a/1', 'a/2', 'a/b/3', 'b/1', 'c']) await c.put(key, Buffer.from(key));
    const top = await c.list({ delimiter: '/', 'max-keys': 100 }, {});
    assert.deepEqual(top.prefixes, ['a/', 'b/']);
    assert.deepEqual(top.objects.map((o) => o.name), ['c']);
    const underA = await c.list({ prefix: 'a/', delimiter: '/', 'max-keys': 100 }, {});
    assert.deepEqual(underA.objects.map((o) => o.name), ['a/1', 'a/2']);
    assert.deepEqual(underA.prefixes, ['a/b/']);
    const page1 = await c.list({ 'max-keys': 2 }, {});
    assert.equal(page1.isTruncated, true);
    assert.deepEqual(page1.objects.map((o) => o.name), ['a/1', 'a/2']);
    assert.equal(page1.nextMarker, 'a/2');
    const page2 = await c.list({ marker: page1.nextMarker!, 'max-keys': 10 }, {});
    assert.equal(page2.isTruncated, false);
    assert.deepEqual(page2.objects.map((o) => o.name), ['a/b/3', 'b/1', 'c']);
    assert.equal(page2.objects[0]!.size, 5);
    assert.match(page2.objects[0]!.etag, /^"[0-9A-F]{32}"$/);
  });

  test('ListObjectsV2: continuation tokens page through everything', async () => {
    const c = clientFor(emulator, 'list-v2');
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    for (const key of keys) await c.put(key, Buffer.from(key));
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const query: Record<string, string | number> = { 'max-keys': 3 };
      if (token) query['continuation-token'] = token;
      const page = await c.listV2(query, {});
      seen.push(...page.objects.map((o) => o.name));
      assert.equal(Number(page.keyCount), page.objects.length);
      if (!page.isTruncated) break;
      token = page.nextContinuationToken;
    }
    assert.deepEqual(seen, keys);
  });

  test('a wrong secret is 403 SignatureDoesNotMatch; a wrong key id 403 InvalidAccessKeyId; no signature 403 AccessDenied', async () => {
    const wrongSecret = clientFor(emulator, BUCKET, { accessKeySecret: 'not-the-secret' });
    const bad = await rejection(wrongSecret.put('x.txt', Buffer.from('x')));
    assert.equal(bad.name, 'SignatureDoesNotMatchError');
    assert.equal(bad.status, 403);
    assert.equal(bad.ecCode, '0002-00000040');
    const wrongId = clientFor(emulator, BUCKET, { accessKeyId: 'LTAI-somebody-else' });
    assert.equal((await rejection(wrongId.get('docs/hello.txt'))).code, 'InvalidAccessKeyId');
    const anonymous = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`${emulator.url}/${BUCKET}/docs/hello.txt`, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        })
        .on('error', reject);
    });
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body, /<Code>AccessDenied<\/Code>/);
    // A refused write stores nothing.
    assert.equal((await rejection(client.get('x.txt'))).code, 'NoSuchKey');
  });

  test('a Content-MD5 that does not match the body is 400 BadDigest and stores nothing', async () => {
    const wrong = createHash('md5').update('something else').digest('base64');
    const error = await rejection(client.put('digest.txt', Buffer.from('the body'), { headers: { 'Content-MD5': wrong } }));
    assert.equal(error.name, 'BadDigestError');
    assert.equal(error.status, 400);
    assert.equal((await rejection(client.get('digest.txt'))).code, 'NoSuchKey');
  });

  test('path-style addressing (/<bucket>/<key>) works too', async () => {
    const pathStyle = clientFor(emulator, BUCKET, { endpoint: emulator.url.replace('127.0.0.1', 'localhost'), sldEnable: true } as Partial<OSS.Options>);
    await pathStyle.put('path/style.txt', Buffer.from('ps'));
    assert.equal((await client.get('path/style.txt')).content.toString(), 'ps');
    assert.equal((await pathStyle.get('path/style.txt')).content.toString(), 'ps');
  });
});

describe('OSS emulator: data directory', () => {
  test('objects stream to files and survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'oss-emulator-'));
    try {
      const first = await startEmulator({ dataDir });
      const body = Buffer.alloc(512 * 1024, 'd');
      await clientFor(first, 'persisted').put('kept.bin', body, { meta: { a: '1' } as unknown as OSS.UserMeta });
      assert.equal((await readdir(join(dataDir, 'blobs'))).length, 1);
      await first.close();
      const second = await startEmulator({ dataDir });
      try {
        const got = await clientFor(second, 'persisted').get('kept.bin');
        assert.deepEqual(got.content, body);
        assert.equal((got.res.headers as Record<string, string>)['x-oss-meta-a'], '1');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
