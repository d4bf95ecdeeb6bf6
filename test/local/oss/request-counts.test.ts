// Per-operation request counts of the OSS emulator (what end-to-end tests use to count uploads).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type OSS from 'ali-oss';
import type { OssEmulator } from '../../../local/oss/index';
import { clientFor, startEmulator } from '../../support/oss-emulator';

describe('OSS emulator: request counts', () => {
  let emulator: OssEmulator;
  let client: OSS;

  before(async () => {
    emulator = await startEmulator();
    client = clientFor(emulator, 'counts-test', { timeout: 5000 });
  });
  after(() => emulator.close());

  test('counts each request under its OSS operation name', async () => {
    emulator.resetRequestCounts();
    await client.put('a.txt', Buffer.from('a'));
    await client.put('b.txt', Buffer.from('b'));
    await client.head('a.txt');
    await client.get('b.txt');
    await client.list({ 'max-keys': 10 }, {});
    assert.deepEqual(emulator.requestCounts(), { PutObject: 2, HeadObject: 1, GetObject: 1, ListObjects: 1 });
  });

  test('counts multipart operations separately, and refused or faulted requests too', async () => {
    emulator.resetRequestCounts();
    await client.multipartUpload('big.bin', Buffer.alloc(250 * 1024, 7), { partSize: 100 * 1024 });
    emulator.faults.inject({ operation: 'PutObject', count: 1, status: 503, code: 'ServiceUnavailable' });
    await assert.rejects(client.put('flaky.txt', Buffer.from('x')));
    const wrongKey = clientFor(emulator, 'counts-test', { accessKeySecret: 'wrong', timeout: 5000 });
    await assert.rejects(wrongKey.put('denied.txt', Buffer.from('x')));
    assert.deepEqual(emulator.requestCounts(), { InitiateMultipartUpload: 1, UploadPart: 3, CompleteMultipartUpload: 1, PutObject: 2 });
  });

  test('control requests are not counted, and a reset starts from zero', async () => {
    await client.head('a.txt');
    emulator.resetRequestCounts();
    assert.deepEqual(emulator.requestCounts(), {});
    await fetch(emulator.publicKeyUrl);
    assert.deepEqual(emulator.requestCounts(), {});
    await client.head('a.txt');
    assert.deepEqual(emulator.requestCounts(), { HeadObject: 1 });
  });
});
