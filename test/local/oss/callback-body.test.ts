// Filling callback body templates the way OSS does, for both body types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillCallbackBody, formEncode, type CallbackValues } from '../../../local/oss/callback-body';

const values: CallbackValues = {
  bucket: 'b',
  object: 'dir/a b+c/ü.txt',
  etag: 'ABC',
  size: 12,
  mimeType: 'image/jpeg',
  crc64: '18446744073709551615',
  contentMd5: 'q1w2==',
  clientIp: '127.0.0.1',
  reqId: 'REQ',
  operation: 'PutObject',
};

test('form bodies get percent-encoded values (RFC 3986 unreserved kept)', () => {
  assert.equal(
    fillCallbackBody('object=${object}&mime=${mimeType}&md5=${contentMd5}&v=${x:v}', 'application/x-www-form-urlencoded', values, { 'x:v': "it's (1)*!" }),
    'object=dir%2Fa%20b%2Bc%2F%C3%BC.txt&mime=image%2Fjpeg&md5=q1w2%3D%3D&v=it%27s%20%281%29%2A%21',
  );
  assert.equal(formEncode('a-b_c.d~e'), 'a-b_c.d~e');
});

test('JSON bodies get quoted strings and bare numbers; empty image numbers stay empty', () => {
  const body = fillCallbackBody('{"o":${object},"s":${size},"c":${crc64},"h":"${imageInfo.height}","v":${x:v}}', 'application/json', values, { 'x:v': 'say "hi"' });
  assert.equal(body, '{"o":"dir/a b+c/ü.txt","s":12,"c":"18446744073709551615","h":"","v":"say \\"hi\\""}');
  assert.deepEqual(JSON.parse(body), { o: 'dir/a b+c/ü.txt', s: 12, c: '18446744073709551615', h: '', v: 'say "hi"' });
});

test('unknown system variables are left as written; missing custom variables are empty', () => {
  assert.equal(fillCallbackBody('a=${nope}&b=${x:missing}&c=${bucket}', 'application/x-www-form-urlencoded', values, {}), 'a=${nope}&b=&c=b');
});
