// Multipart upload through the real ali-oss client: Initiate, UploadPart, ListParts,
// Complete (OSS's multipart ETag and CRC-64), Abort, and the errors OSS answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import { crc64 } from '../../../local/oss/crc64';
import type { OssEmulator } from '../../../local/oss/index';
import { clientFor, startEmulator, rejection } from '../../support/oss-emulator';

const BUCKET = 'multipart-test';
const PART = 100 * 1024;

/** OSS's multipart ETag: MD5 of the concatenated binary part MD5s, uppercase hex, `-<parts>`. */
function multipartEtag(parts: Buffer[]): string {
  const outer = createHash('md5');
  for (const part of parts) outer.update(createHash('md5').update(part).digest());
  return `"${outer.digest('hex').toUpperCase()}-${parts.length}"`;
}

describe('OSS emulator: multipart upload', () => {
  let emulator: OssEmulator;
  let client: OSS;
  let dir: string;
  let file: string;
  const content = randomBytes(2 * PART + 1234);

  before(async () => {
    emulator = await startEmulator();
    client = clientFor(emulator, BUCKET);
    dir = await mkdtemp(join(tmpdir(), 'oss-multipart-'));
    file = join(dir, 'content.bin');
    await writeFile(file, content);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  const slices = (): Buffer[] => [content.subarray(0, PART), content.subarray(PART, 2 * PART), content.subarray(2 * PART)];

  test('Initiate, UploadPart, ListParts, Complete: multipart ETag, CRC-64 and content', async () => {
    const key = 'parts/object.bin';
    const init = await client.initMultipartUpload(key, { mime: 'application/x-test' });
    assert.match(init.uploadId, /^[0-9A-F]{32}$/);
    const parts = slices();
    const done: { number: number; etag: string }[] = [];
    let offset = 0;
    for (let i = 0; i < parts.length; i++) {
      const uploaded = await client.uploadPart(key, init.uploadId, i + 1, file, offset, offset + parts[i]!.length);
      assert.equal(uploaded.etag, `"${createHash('md5').update(parts[i]!).digest('hex').toUpperCase()}"`);
      done.push({ number: i + 1, etag: uploaded.etag });
      offset += parts[i]!.length;
    }
    const listed = await client.listParts(key, init.uploadId, {} as OSS.ListPartsQuery, {});
    const listedParts = listed.parts as unknown as { PartNumber: string; Size: string; ETag: string; HashCrc64ecma: string }[];
    assert.deepEqual(listedParts.map((p) => Number(p.PartNumber)), [1, 2, 3]);
    assert.deepEqual(listedParts.map((p) => Number(p.Size)), parts.map((p) => p.length));
    assert.equal(listedParts[2]!.HashCrc64ecma, crc64(parts[2]!).toString());

    const completed = await client.completeMultipartUpload(key, init.uploadId, done);
    assert.equal(completed.res.status, 200);
    assert.equal(completed.etag, multipartEtag(parts));
    assert.equal((completed.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(content).toString());

    const got = await client.get(key);
    assert.deepEqual(got.content, content);
    const headers = got.res.headers as Record<string, string>;
    assert.equal(headers['x-oss-object-type'], 'Multipart');
    assert.equal(headers['content-type'], 'application/x-test');
    assert.equal(headers.etag, multipartEtag(parts));
    const across = await client.get(key, { headers: { Range: `bytes=${PART - 2}-${PART + 1}` } });
    assert.deepEqual(across.content, content.subarray(PART - 2, PART + 2));
  });

  test("ali-oss's multipartUpload helper works end to end", async () => {
    const result = await client.multipartUpload('helper.bin', file, { partSize: PART });
    assert.equal(result.res.status, 200);
    assert.deepEqual((await client.get('helper.bin')).content, content);
  });

  test('a wrong part ETag is 400 InvalidPart; a small middle part is 400 EntityTooSmall', async () => {
    const key = 'invalid.bin';
    const init = await client.initMultipartUpload(key);
    const p1 = await client.uploadPart(key, init.uploadId, 1, file, 0, 1000);
    const p2 = await client.uploadPart(key, init.uploadId, 2, file, 1000, 2000);
    const wrongEtag = await rejection(
      client.completeMultipartUpload(key, init.uploadId, [
        { number: 1, etag: p1.etag },
        { number: 2, etag: '"00000000000000000000000000000000"' },
      ]),
    );
    assert.equal(wrongEtag.name, 'InvalidPartError');
    assert.equal(wrongEtag.status, 400);
    const missingPart = await rejection(client.completeMultipartUpload(key, init.uploadId, [{ number: 7, etag: p1.etag }]));
    assert.equal(missingPart.code, 'InvalidPart');
    const tooSmall = await rejection(
      client.completeMultipartUpload(key, init.uploadId, [
        { number: 1, etag: p1.etag },
        { number: 2, etag: p2.etag },
      ]),
    );
    assert.equal(tooSmall.code, 'EntityTooSmall');
    assert.equal(tooSmall.status, 400);
    // A failed Complete leaves the upload usable: one small part alone is fine.
    const single = await client.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: p1.etag }]);
    assert.equal(single.etag, multipartEtag([content.subarray(0, 1000)]));
  });

  test('Abort answers 204; afterwards the upload is 404 NoSuchUpload for UploadPart, ListParts and Abort', async () => {
    const key = 'aborted.bin';
    const init = await client.initMultipartUpload(key);
    await client.uploadPart(key, init.uploadId, 1, file, 0, 100);
    const aborted = (await client.abortMultipartUpload(key, init.uploadId)) as unknown as { res: { status: number } };
    assert.equal(aborted.res.status, 204);
    const upload = await rejection(client.uploadPart(key, init.uploadId, 2, file, 0, 100));
    assert.equal(upload.name, 'NoSuchUploadError');
    assert.equal(upload.status, 404);
    assert.equal(upload.ecCode, '0042-00000104');
    const list = await rejection(client.listParts(key, init.uploadId, {} as OSS.ListPartsQuery, {}));
    assert.equal(list.code, 'NoSuchUpload');
    assert.equal(list.ecCode, '0042-00000002');
    assert.equal((await rejection(client.abortMultipartUpload(key, init.uploadId))).code, 'NoSuchUpload');
    assert.equal((await rejection(client.completeMultipartUpload(key, 'F'.repeat(32), [{ number: 1, etag: '"X"' }]))).code, 'NoSuchUpload');
    assert.equal((await rejection(client.get(key))).code, 'NoSuchKey');
  });

  test('an upload id is bound to its key', async () => {
    const init = await client.initMultipartUpload('one.bin');
    const error = await rejection(client.uploadPart('another.bin', init.uploadId, 1, file, 0, 10));
    assert.equal(error.code, 'NoSuchUpload');
  });
});
