// PostObject on the OSS emulator, with forms signed as ali-oss documents (post-form.ts):
// success answers by success_action_status, the stored object, every refusal with OSS's
// code, message and EC, the upload callback with `x:` fields, and bucket CORS.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type OSS from 'ali-oss';
import { PublicKeyCache } from '../../../lib/callback/public-key';
import { verifyOssCallback } from '../../../lib/callback/verify';
import type { OssEmulator } from '../../../local/oss/index';
import { base64Json, clientFor, startCallbackServer, startEmulator, type CallbackServer, rejection } from '../../support/oss-emulator';
import { parseAnswer, postForm, signedForm } from './post-form';

const BUCKET = 'post-test';
const ORIGIN = 'http://127.0.0.1:5555';

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

describe('OSS emulator: PostObject with a V4 policy', () => {
  let oss: OssEmulator;
  let client: OSS;
  let url: string;
  let callbacks: CallbackServer;

  before(async () => {
    oss = await startEmulator({
      callbackTimeoutMs: 400,
      corsRules: [{ allowedOrigins: [ORIGIN, 'https://*.example.com'], allowedMethods: ['POST', 'GET'], allowedHeaders: ['x-oss-*', 'content-type'], exposeHeaders: ['ETag'], maxAgeSeconds: 300 }],
    });
    client = clientFor(oss, BUCKET);
    url = `${oss.url}/${BUCKET}`;
    callbacks = await startCallbackServer();
  });
  after(async () => {
    await callbacks.close();
    await oss.close();
  });
  beforeEach(() => {
    callbacks.received.length = 0;
    callbacks.answer = () => ({});
  });

  test('a good form stores the object; no success_action_status answers 204 with the ETag and CRC-64', async () => {
    const body = randomBytes(3000);
    const answer = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/plain.bin', conditions: [['content-length-range', 1, 10_000]] }), body);
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.headers.get('etag'), `"${md5Hex(body)}"`);
    assert.ok(answer.headers.get('x-oss-hash-crc64ecma'));
    const got = await client.get('forms/plain.bin');
    assert.ok(Buffer.from(got.content as Buffer).equals(body));
  });

  test('success_action_status 200 answers an empty 200; 201 a PostResponse document', async () => {
    const ok = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/200.txt', fields: { success_action_status: '200' } }), Buffer.from('two hundred'));
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    const created = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/201.txt', fields: { success_action_status: '201' } }), Buffer.from('created'));
    assert.equal(created.status, 201);
    assert.match(created.text, /<PostResponse><Bucket>post-test<\/Bucket><Location>[^<]+forms\/201\.txt<\/Location><Key>forms\/201\.txt<\/Key><ETag>&quot;[0-9A-F]{32}&quot;<\/ETag><\/PostResponse>/);
  });

  test('the Content-Type field and x-oss-meta-* fields become the object\'s type and metadata; ${filename} in the key is the file\'s name', async () => {
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/${filename}', fields: { 'Content-Type': 'text/csv', 'x-oss-meta-origin': 'form' } });
    const answer = await postForm(url, fields, Buffer.from('a,b\n1,2\n'), { filename: 'report.csv', type: 'application/octet-stream' });
    assert.equal(answer.status, 204, answer.text);
    const headers = (await client.head('forms/report.csv')).res.headers as Record<string, string>;
    assert.equal(headers['content-type'], 'text/csv');
    assert.equal(headers['x-oss-meta-origin'], 'form');
  });

  test('an expired policy: 403 AccessDenied "Invalid according to Policy: Policy expired." and nothing stored', async () => {
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/expired.txt', expiration: new Date(Date.now() - 1000) });
    const answer = await postForm(url, fields, Buffer.from('late'));
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.error, { code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
    assert.equal((await rejection(client.head('forms/expired.txt'))).status, 404);
  });

  test('a field that breaks a condition: 403 AccessDenied naming the condition, EC 0006-00000227', async () => {
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/wrong.txt', conditions: [['eq', '$key', 'forms/right.txt']] });
    const answer = await postForm(url, fields, Buffer.from('x'));
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.error, { code: 'AccessDenied', message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "forms/right.txt"]', ec: '0006-00000227' });
    for (const [condition, field] of [
      [['starts-with', '$key', 'other/'], {}],
      [{ success_action_status: '200' }, { success_action_status: '201' }],
      [['in', '$content-type', ['image/png', 'image/jpeg']], { 'Content-Type': 'text/plain' }],
      [['not-in', '$cache-control', ['no-cache']], { 'Cache-Control': 'no-cache' }],
    ] as const) {
      const refused = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/wrong.txt', conditions: [condition], fields: field }), Buffer.from('x'));
      assert.equal(refused.error?.code, 'AccessDenied', JSON.stringify(condition));
      assert.match(refused.error!.message, /^Invalid according to Policy: Policy Condition failed: /);
    }
    // A form for another bucket.
    const other = await postForm(`${oss.url}/other-bucket`, signedForm(oss, { bucket: BUCKET, key: 'forms/wrong.txt' }), Buffer.from('x'));
    assert.equal(other.error?.message, 'Invalid according to Policy: Policy Condition failed: {"bucket": "post-test"}');
    assert.equal((await rejection(client.head('forms/wrong.txt'))).status, 404);
  });

  test('a file above content-length-range: 400 EntityTooLarge (EC 0006-00000003); below it: 400 EntityTooSmall; neither stored', async () => {
    const range = [['content-length-range', 10, 100]];
    const large = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/large.bin', conditions: range }), randomBytes(101));
    assert.equal(large.status, 400);
    assert.equal(large.error?.code, 'EntityTooLarge');
    assert.equal(large.error?.ec, '0006-00000003');
    const small = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/small.bin', conditions: range }), randomBytes(9));
    assert.equal(small.status, 400);
    assert.equal(small.error?.code, 'EntityTooSmall');
    assert.equal((await rejection(client.head('forms/large.bin'))).status, 404);
    assert.equal((await rejection(client.head('forms/small.bin'))).status, 404);
    const edge = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/edge.bin', conditions: range }), randomBytes(100));
    assert.equal(edge.status, 204, edge.text);
  });

  test('a bad signature: a policy changed after signing, another secret, or a changed signature is 403 SignatureDoesNotMatch', async () => {
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/sig.txt', conditions: [['content-length-range', 1, 10]] });
    const widened = JSON.parse(Buffer.from(fields.policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    widened.conditions = widened.conditions.filter((c) => !Array.isArray(c));
    const tampered = { ...fields, policy: Buffer.from(JSON.stringify(widened)).toString('base64') };
    const otherSecret = signedForm(oss, { bucket: BUCKET, key: 'forms/sig.txt', accessKeySecret: 'not-the-secret' });
    const flipped = { ...fields, 'x-oss-signature': fields['x-oss-signature']!.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    for (const form of [tampered, otherSecret, flipped]) {
      const answer = await postForm(url, form, Buffer.from('x'));
      assert.equal(answer.status, 403);
      assert.equal(answer.error?.code, 'SignatureDoesNotMatch');
    }
  });

  test('who signed: an unknown key id is 403 InvalidAccessKeyId; a V1 form and an unsigned form are 403 AccessDenied', async () => {
    const unknown = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/who.txt', accessKeyId: 'LTAI-nobody' }), Buffer.from('x'));
    assert.equal(unknown.status, 403);
    assert.equal(unknown.error?.code, 'InvalidAccessKeyId');
    const v1 = await postForm(url, { key: 'forms/who.txt', OSSAccessKeyId: oss.accessKeyId, policy: base64Json({ expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [] }), Signature: 'c2lnbmF0dXJl' }, Buffer.from('x'));
    assert.equal(v1.status, 403);
    assert.equal(v1.error?.code, 'AccessDenied');
    const unsigned = await postForm(url, { key: 'forms/who.txt' }, Buffer.from('x'));
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.error?.code, 'AccessDenied');
  });

  test('the V4 fields: a region other than the bucket\'s, a credential not ending in aliyun_v4_request, x-oss-date far ahead', async () => {
    const region = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/v4.txt', region: 'cn-shanghai' }), Buffer.from('x'));
    assert.equal(region.error?.code, 'InvalidArgument');
    assert.equal(region.error?.ec, '0002-00000710');
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/v4.txt' });
    const credential = await postForm(url, { ...fields, 'x-oss-credential': fields['x-oss-credential']!.replace('aliyun_v4_request', 'v4_request') }, Buffer.from('x'));
    assert.equal(credential.error?.ec, '0002-00000710');
    const ahead = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/v4.txt', date: new Date(Date.now() + 20 * 60_000), expiration: new Date(Date.now() + 3_600_000) }), Buffer.from('x'));
    assert.equal(ahead.error?.code, 'RequestTimeTooSkewed');
    const noSignature = { ...fields };
    delete noSignature['x-oss-signature'];
    assert.equal((await postForm(url, noSignature, Buffer.from('x'))).error?.ec, '0002-00000703');
    assert.equal((await postForm(url, { ...fields, 'x-oss-signature': '' }, Buffer.from('x'))).error?.ec, '0002-00000704');
  });

  test('malformed forms: no file, not multipart, cut short, a field over 4 KB', async () => {
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/bad.txt' });
    const noFile = await postForm(url, fields);
    assert.equal(noFile.status, 400);
    assert.equal(noFile.error?.code, 'IncorrectNumberOfFilesInPOSTRequest');
    const notMultipart = await parseAnswer(await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) }));
    assert.equal(notMultipart.error?.code, 'MalformedPOSTRequest');
    assert.equal(notMultipart.error?.message, 'The body of your POST request is not well-formed multipart/form-data.');
    // A signed form whose body stops inside the file, before the closing boundary.
    const parts = Object.entries(fields).map(([name, value]) => `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const cut = `${parts.join('')}--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nno end`;
    const cutAnswer = await parseAnswer(await fetch(url, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' }, body: cut }));
    assert.equal(cutAnswer.error?.code, 'MalformedPOSTRequest');
    assert.equal((await rejection(client.head('forms/bad.txt'))).status, 404);
    const long = await postForm(url, { ...fields, 'x-oss-meta-long': 'a'.repeat(4097) }, Buffer.from('x'));
    assert.equal(long.error?.code, 'FieldItemTooLong');
  });

  test('fields after the file are ignored; a tampered field before it is still judged', async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries(signedForm(oss, { bucket: BUCKET, key: 'forms/after.txt' }))) form.append(name, value);
    form.append('file', new Blob([Buffer.from('first')]), 'a.txt');
    form.append('key', 'forms/smuggled.txt');
    const answer = await parseAnswer(await fetch(url, { method: 'POST', body: form }));
    assert.equal(answer.status, 204, answer.text);
    assert.equal(String((await client.get('forms/after.txt')).content), 'first');
    assert.equal((await rejection(client.head('forms/smuggled.txt'))).status, 404);
  });

  test('with a callback: OSS fills the body from the form\'s x: fields, signs it, and answers 200 with the callback\'s body', async () => {
    const callback = base64Json({ callbackUrl: `${callbacks.url}/cb`, callbackBody: 'object=${object}&size=${size}&operation=${operation}&job=${x:job}&etag=${etag}' });
    const body = Buffer.from('called back');
    const fields = signedForm(oss, { bucket: BUCKET, key: 'forms/cb.txt', fields: { success_action_status: '200', callback, 'x:job': 'job 7' } });
    callbacks.answer = () => ({ body: '{"recorded":true}' });
    const answer = await postForm(url, fields, body);
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '{"recorded":true}');
    assert.equal(callbacks.received.length, 1);
    const received = callbacks.received[0]!;
    assert.equal(received.body.toString(), `object=forms%2Fcb.txt&size=${body.length}&operation=PostObject&job=job%207&etag=${md5Hex(body)}`);
    await verifyOssCallback({ path: '/cb', headers: received.headers, body: received.body }, { allowedKeyUrlPrefixes: [oss.publicKeyUrlPrefix], keyCache: new PublicKeyCache() });
  });

  test('a failing callback: 203 CallbackFailed, the object stored all the same; a malformed callback field: 400 InvalidArgument, nothing stored', async () => {
    callbacks.answer = () => ({ status: 500 });
    const callback = base64Json({ callbackUrl: `${callbacks.url}/cb`, callbackBody: 'object=${object}' });
    const failed = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/cb-failed.txt', fields: { success_action_status: '200', callback } }), Buffer.from('stored'));
    assert.equal(failed.status, 203);
    assert.equal(failed.error?.code, 'CallbackFailed');
    assert.equal(String((await client.get('forms/cb-failed.txt')).content), 'stored');
    const malformed = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/cb-bad.txt', fields: { callback: 'not base64!' } }), Buffer.from('x'));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.error?.code, 'InvalidArgument');
    assert.equal((await rejection(client.head('forms/cb-bad.txt'))).status, 404);
  });

  test('CORS: an allowed preflight gets the allow headers; a refused one 403 AccessForbidden; a cross-origin POST carries Access-Control-Allow-Origin', async () => {
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Content-Type' } });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST, GET');
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'Content-Type');
    assert.equal(preflight.headers.get('access-control-max-age'), '300');
    const wildcard = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(wildcard.headers.get('access-control-allow-origin'), 'https://app.example.com');
    for (const headers of [
      { Origin: 'http://evil.test', 'Access-Control-Request-Method': 'POST' } as Record<string, string>,
      { Origin: ORIGIN, 'Access-Control-Request-Method': 'DELETE' },
      { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
    ]) {
      const refused = await parseAnswer(await fetch(url, { method: 'OPTIONS', headers }));
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.equal(refused.error?.code, 'AccessForbidden');
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
    }
    const post = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/cors.txt' }), Buffer.from('x'), { headers: { Origin: ORIGIN } });
    assert.equal(post.status, 204);
    assert.equal(post.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(post.headers.get('access-control-expose-headers'), 'ETag');
    const foreign = await postForm(url, signedForm(oss, { bucket: BUCKET, key: 'forms/cors.txt' }), Buffer.from('x'), { headers: { Origin: 'http://evil.test' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });
});
