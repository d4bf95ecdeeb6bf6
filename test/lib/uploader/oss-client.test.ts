// lib/uploader/oss-client.ts as the uploader builds it in FC: the region from FC_REGION, the
// role's STS credentials from the context, an endpoint — against an emulator that takes
// only V4 and knows only those STS credentials, so every operation the uploader uses
// must sign V4, for the right region, with the token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOssClient, type OssObjectClient } from '../../../lib/uploader/oss-client';
import { uploaderConfigFromEnv } from '../../../lib/uploader/config';
import { startOssEmulator, type OssEmulator } from '../../../local/oss/index';

const STS = { accessKeyId: 'STS.NTcLientTest', accessKeySecret: 'role-secret-from-fc', securityToken: 'CAIS-role-token' };
const BUCKET = 'client-test';

function clientFor(emulator: OssEmulator, env: Record<string, string> = {}): OssObjectClient {
  const config = uploaderConfigFromEnv(
    {
      FC_REGION: 'cn-hangzhou',
      OSS_ENDPOINT: emulator.url,
      OSS_BUCKET: BUCKET,
      CALLBACK_URL: 'https://cb.example.com/oss/callback',
      CALLBACK_TOKEN_SECRET: 'a-token-secret-of-16-chars-or-more',
      TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
      TABLESTORE_INSTANCE: 'inst',
      ...env,
    },
    STS,
  );
  return createOssClient(config.oss, BUCKET);
}

describe('the uploader\'s OSS client against a V4-only emulator that knows only the role\'s STS keys', () => {
  let emulator: OssEmulator;
  before(async () => {
    // Its long-term pair is one nobody here has.
    emulator = await startOssEmulator({ accessKeySecret: 'nobody-has-this', stsCredentials: [STS] });
  });
  after(() => emulator.close());

  test('put, head, getStream and multipart all pass: V4, scoped to FC_REGION, with the STS token', async () => {
    const client = clientFor(emulator);
    await client.put('a.txt', Buffer.from('from the uploader'));
    assert.equal((await client.head('a.txt')).status, 200);
    const { stream } = await client.getStream('a.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), 'from the uploader');
    const init = await client.initMultipartUpload('m.bin');
    const part = await client.uploadPart('m.bin', init.uploadId, 1, Buffer.from('part one'), 0, 8);
    await client.completeMultipartUpload('m.bin', init.uploadId, [{ number: 1, etag: part.etag }]);
    const aborted = await client.initMultipartUpload('n.bin');
    await client.abortMultipartUpload('n.bin', aborted.uploadId);
    assert.deepEqual(emulator.requestCounts(), {
      PutObject: 1,
      HeadObject: 1,
      GetObject: 1,
      InitiateMultipartUpload: 2,
      UploadPart: 1,
      CompleteMultipartUpload: 1,
      AbortMultipartUpload: 1,
    });
  });

  test('a region other than the bucket\'s is refused by OSS (EC 0002-00000228): the region really signs', async () => {
    const error = (await clientFor(emulator, { OSS_REGION: 'oss-cn-shanghai' }).put('b.txt', Buffer.from('x')).catch((e: unknown) => e)) as { code?: string; ecCode?: string };
    assert.equal(error.code, 'InvalidArgument');
    assert.equal(error.ecCode, '0002-00000228');
    // The same region written the short way works.
    await clientFor(emulator, { OSS_REGION: 'cn-hangzhou' }).put('c.txt', Buffer.from('x'));
  });
});
