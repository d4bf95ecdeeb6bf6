// Request signatures through the real ali-oss client over HTTP: V4 (authorizationV4 plus
// a region) for every operation the uploader uses, STS tokens, and OSS's refusals — a
// wrong secret, a wrong region, a skewed clock, and V1 on a default (new-bucket)
// emulator — and V1 taken when the emulator plays an old bucket (allowV1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OSS from 'ali-oss';
import type { OssEmulator } from '../../../local/oss/index';
import { clientFor, rejection, startEmulator } from '../../support/oss-emulator';

const BUCKET = 'signatures-test';
const STS = { accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2A', accessKeySecret: 'sts-secret-for-tests', securityToken: 'CAIS-sts-token-for-tests' };

/**
 * A V1 client for presigned URLs: ali-oss refuses signatureUrl with an IP endpoint, so
 * it goes to `localhost`, path-style (`/<bucket>/<key>`).
 */
function presigner(emulator: OssEmulator, overrides: Partial<OSS.Options> = {}): OSS {
  return clientFor(emulator, BUCKET, { endpoint: emulator.url.replace('127.0.0.1', 'localhost'), sldEnable: true, authorizationV4: false, ...overrides } as Partial<OSS.Options>);
}

/** A raw HTTP request to the emulator; the answer's status, headers and body. */
function send(url: string, options: http.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .request(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject)
      .end();
  });
}

describe('OSS emulator, default (a new bucket): V4 only', () => {
  let emulator: OssEmulator;
  let client: OSS;

  before(async () => {
    emulator = await startEmulator({ stsCredentials: [STS] });
    assert.equal(emulator.region, 'cn-hangzhou');
    assert.equal(emulator.allowV1, false);
    client = clientFor(emulator, BUCKET);
    await client.putBucket(BUCKET);
  });
  after(() => emulator.close());

  test('ali-oss with authorizationV4: put, head, get, getStream, list, delete', async () => {
    const put = await client.put('v4/a.txt', Buffer.from('signed v4'), { mime: 'text/plain' });
    assert.equal(put.res.status, 200);
    assert.equal((await client.head('v4/a.txt')).status, 200);
    assert.equal((await client.get('v4/a.txt')).content.toString(), 'signed v4');
    const { stream } = await client.getStream('v4/a.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), 'signed v4');
    // A key that needs encoding in the canonical URI (space, +, parentheses, !).
    await client.put('v4/a b+c(1)!.txt', Buffer.from('odd'));
    assert.equal((await client.get('v4/a b+c(1)!.txt')).content.toString(), 'odd');
    const listed = await client.list({ prefix: 'v4/', 'max-keys': 10 }, {});
    assert.deepEqual(listed.objects.map((o) => o.name).sort(), ['v4/a b+c(1)!.txt', 'v4/a.txt']);
    await client.delete('v4/a b+c(1)!.txt');
  });

  test('ali-oss with authorizationV4: multipart (init, upload parts, complete; abort)', async () => {
    const part = Buffer.alloc(100 * 1024, 'p');
    const init = await client.initMultipartUpload('v4/multi.bin');
    const parts = [];
    for (const number of [1, 2]) {
      const uploaded = await client.uploadPart('v4/multi.bin', init.uploadId, number, part, 0, part.length);
      parts.push({ number, etag: uploaded.etag });
    }
    const done = await client.completeMultipartUpload('v4/multi.bin', init.uploadId, parts);
    assert.equal(done.res.status, 200);
    assert.equal((await client.get('v4/multi.bin')).content.length, 2 * part.length);
    const aborted = await client.initMultipartUpload('v4/aborted.bin');
    await client.abortMultipartUpload('v4/aborted.bin', aborted.uploadId);
    assert.equal((await rejection(client.listParts('v4/aborted.bin', aborted.uploadId))).code, 'NoSuchUpload', 'the abort went through');
  });

  test('STS credentials: the token travels as x-oss-security-token and is checked', async () => {
    const sts = clientFor(emulator, BUCKET, { ...STS, stsToken: STS.securityToken, refreshSTSTokenInterval: 300_000 });
    await sts.put('v4/sts.txt', Buffer.from('by sts'));
    assert.equal((await sts.get('v4/sts.txt')).content.toString(), 'by sts');
    const init = await sts.initMultipartUpload('v4/sts-multi.bin');
    const uploaded = await sts.uploadPart('v4/sts-multi.bin', init.uploadId, 1, Buffer.from('one part'), 0, 8);
    await sts.completeMultipartUpload('v4/sts-multi.bin', init.uploadId, [{ number: 1, etag: uploaded.etag }]);
    assert.equal((await client.get('v4/sts-multi.bin')).content.toString(), 'one part');

    const wrongToken = await rejection(clientFor(emulator, BUCKET, { ...STS, stsToken: 'CAIS-forged', refreshSTSTokenInterval: 300_000 }).put('v4/x.txt', Buffer.from('x')));
    assert.equal(wrongToken.status, 403);
    assert.equal(wrongToken.code, 'InvalidSecurityToken');
    const noToken = await rejection(clientFor(emulator, BUCKET, { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret }).get('v4/sts.txt'));
    assert.equal(noToken.code, 'InvalidAccessKeyId');
    assert.equal(noToken.ecCode, '0002-00000902');
  });

  test('a wrong secret is 403 SignatureDoesNotMatch', async () => {
    const error = await rejection(clientFor(emulator, BUCKET, { accessKeySecret: 'not-the-secret' }).put('v4/x.txt', Buffer.from('x')));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'SignatureDoesNotMatch');
    assert.equal(error.ecCode, '0002-00000040');
    assert.equal((await rejection(client.get('v4/x.txt'))).code, 'NoSuchKey', 'a refused write stores nothing');
  });

  test('a client signing for another region is refused with EC 0002-00000228', async () => {
    const error = await rejection(clientFor(emulator, BUCKET, { region: 'oss-cn-shanghai' }).put('v4/x.txt', Buffer.from('x')));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'InvalidArgument');
    assert.equal(error.ecCode, '0002-00000228');
    // Both spellings of the right region sign the same scope.
    await clientFor(emulator, BUCKET, { region: 'oss-cn-hangzhou' }).put('v4/oss-prefixed.txt', Buffer.from('ok'));
  });

  test('an x-oss-date more than 15 minutes off is 403 RequestTimeTooSkewed; a few minutes off is fine', async () => {
    // ali-oss shifts its clock by amendTimeSkewed (lib/common/utils/createRequest.js).
    for (const skew of [16 * 60_000, -16 * 60_000]) {
      const error = await rejection(clientFor(emulator, BUCKET, { amendTimeSkewed: skew } as Partial<OSS.Options>).put('v4/x.txt', Buffer.from('x')));
      assert.equal(error.status, 403);
      assert.equal(error.code, 'RequestTimeTooSkewed');
      assert.equal(error.ecCode, '0002-00000504');
    }
    await clientFor(emulator, BUCKET, { amendTimeSkewed: 5 * 60_000 } as Partial<OSS.Options>).put('v4/skew-ok.txt', Buffer.from('ok'));
  });

  test('V1 (ali-oss default) is 403 with EC 0002-00000080, for every operation, HEAD included', async () => {
    const v1 = clientFor(emulator, BUCKET, { authorizationV4: false });
    const put = await rejection(v1.put('v1/x.txt', Buffer.from('x')));
    assert.equal(put.status, 403);
    assert.equal(put.code, 'AccessDenied');
    assert.equal(put.ecCode, '0002-00000080');
    assert.equal((await rejection(v1.get('v4/a.txt'))).ecCode, '0002-00000080');
    assert.equal((await rejection(v1.initMultipartUpload('v1/m.bin'))).ecCode, '0002-00000080');
    // HEAD has no body: OSS repeats the error document in x-oss-err, which ali-oss decodes.
    const head = await rejection(v1.head('v4/a.txt'));
    assert.equal(head.status, 403);
    assert.equal(head.ecCode, '0002-00000080');
    assert.equal((await rejection(client.get('v1/x.txt'))).code, 'NoSuchKey');
  });

  test('a presigned V1 URL is refused the same way', async () => {
    const url = presigner(emulator).signatureUrl('v4/a.txt', { expires: 600 });
    assert.match(url, /OSSAccessKeyId=/);
    const answer = await send(url);
    assert.equal(answer.status, 403);
    assert.match(answer.body, /<Code>AccessDenied<\/Code>/);
    assert.match(answer.body, /<EC>0002-00000080<\/EC>/);
    assert.equal(answer.headers['x-oss-ec'], '0002-00000080');
  });

  test('malformed V4 Authorization headers: 400 InvalidArgument with the EC of each defect (the EC pages\' own examples)', async () => {
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const day = date.slice(0, 8);
    const cases: Array<[string, string]> = [
      [`OSS4-HMAC-SHA256 Credential=AK**ID/${day}/cn-hangzhou/oss/abc,Signature=18**0a`, '0002-00000213'],
      [`OSS4-HMAC-SHA256 Credential=AK**ID/2022-12-20/cn-hangzhou/oss/aliyun_v4_request,Signature=18**0a`, '0002-00000212'],
      [`OSS4-HMAC-SHA256 Credential=AK**ID/${day}/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;,Signature=18**0a`, '0002-00000210'],
      [`OSS4-HMAC-SHA256 Credential=AK**ID/${day}/cn-hangzhou/oss/aliyun_v4_request,Signature=`, '0002-00000208'],
    ];
    for (const [authorization, ec] of cases) {
      const answer = await send(`${emulator.url}/${BUCKET}/v4/a.txt`, { headers: { authorization, 'x-oss-date': date, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' } });
      assert.equal(answer.status, 400, authorization);
      assert.match(answer.body, /<Code>InvalidArgument<\/Code>/, authorization);
      assert.equal(answer.headers['x-oss-ec'], ec, authorization);
    }
    // The documented header form, with a space after each comma, parses (and then fails only on the signature).
    const spaced = `OSS4-HMAC-SHA256 Credential=${emulator.accessKeyId}/${day}/cn-hangzhou/oss/aliyun_v4_request, Signature=${'0'.repeat(64)}`;
    const answer = await send(`${emulator.url}/${BUCKET}/v4/a.txt`, { headers: { authorization: spaced, 'x-oss-date': date } });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});

describe('OSS emulator with allowV1 (a bucket created before 2025-09-01)', () => {
  let emulator: OssEmulator;

  before(async () => {
    emulator = await startEmulator({ allowV1: true, stsCredentials: [STS] });
    assert.equal(emulator.allowV1, true);
  });
  after(() => emulator.close());

  test('V1 headers and presigned V1 URLs are taken, V4 still is, and V1 is still checked', async () => {
    const v1 = clientFor(emulator, BUCKET, { authorizationV4: false });
    await v1.putBucket(BUCKET);
    await v1.put('old/a.txt', Buffer.from('by v1'));
    assert.equal((await v1.get('old/a.txt')).content.toString(), 'by v1');
    assert.equal((await clientFor(emulator, BUCKET).get('old/a.txt')).content.toString(), 'by v1');
    const presigned = await send(presigner(emulator).signatureUrl('old/a.txt', { expires: 600 }));
    assert.equal(presigned.status, 200);
    assert.equal(presigned.body, 'by v1');
    const sts = clientFor(emulator, BUCKET, { ...STS, stsToken: STS.securityToken, refreshSTSTokenInterval: 300_000, authorizationV4: false });
    assert.equal((await sts.get('old/a.txt')).content.toString(), 'by v1');
    const wrong = await rejection(clientFor(emulator, BUCKET, { authorizationV4: false, accessKeySecret: 'nope' }).get('old/a.txt'));
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
    assert.equal(wrong.ecCode, '0002-00000040');
  });
});
