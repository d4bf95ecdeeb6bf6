import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCallbackPayload, CallbackPayloadError, type CallbackPayloadReason } from '../../../lib/callback/payload';
import { standardBodyTemplate } from '../../../lib/protocol/template';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

function throwsWith(fn: () => unknown, reason: CallbackPayloadReason) {
  assert.throws(fn, (e: unknown) => e instanceof CallbackPayloadError && e.reason === reason);
}

describe('parseCallbackPayload', () => {
  test('form body as OSS fills it: values decoded, custom variables collected', () => {
    const body =
      'bucket=my-bucket&object=photos%2F%E4%B8%AD%E6%96%87+a%2Bb%20c.jpg&etag=%22D41D8CD98F00B204E9800998ECF8427E%22&size=123' +
      '&mimeType=image%2Fjpeg&imageInfo.height=480&imageInfo.width=640&imageInfo.format=jpg&crc64=18446744073709551615' +
      '&contentMd5=1B2M2Y8AsgTpgAmY7PhCfg%3D%3D&vpcId=&clientIp=10.0.0.1&reqId=5C06A3B6&operation=PutObject&x%3Ajob_id=inv-1&x%3Atoken=v1.abc';
    assert.deepEqual(parseCallbackPayload(Buffer.from(body), `${FORM}; charset=utf-8`), {
      bucket: 'my-bucket',
      object: 'photos/中文 a+b c.jpg',
      etag: '"D41D8CD98F00B204E9800998ECF8427E"',
      size: 123,
      mimeType: 'image/jpeg',
      crc64: '18446744073709551615',
      contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
      imageInfo: { height: 480, width: 640, format: 'jpg' },
      clientIp: '10.0.0.1',
      reqId: '5C06A3B6',
      operation: 'PutObject',
      vars: { 'x:job_id': 'inv-1', 'x:token': 'v1.abc' },
    });
  });

  test('JSON body, crc64 above 2^53 exact whether bare or quoted, empty image fields absent', () => {
    const bare = '{"bucket":"b","object":"a/b.txt","etag":"E","size":5,"crc64":9223372036854775809,"imageInfo.height":"","x:job_id":"j"}';
    const parsed = parseCallbackPayload(bare, JSON_TYPE);
    assert.equal(parsed.crc64, '9223372036854775809');
    assert.equal(parsed.imageInfo, undefined);
    assert.deepEqual(parsed.vars, { 'x:job_id': 'j' });
    assert.equal(parseCallbackPayload('{"bucket":"b","object":"o","etag":"E","size":"5","crc64":"12345678901234567890"}', JSON_TYPE).crc64, '12345678901234567890');
    assert.equal(parseCallbackPayload('{"bucket":"b","object":"o","etag":"E","size":5,"contentMd5":""}', JSON_TYPE).contentMd5, undefined);
  });

  test('typed errors, never a crash', () => {
    throwsWith(() => parseCallbackPayload('a=b', 'text/plain'), 'unsupported_content_type');
    throwsWith(() => parseCallbackPayload('a=b', undefined), 'unsupported_content_type');
    throwsWith(() => parseCallbackPayload('{', JSON_TYPE), 'malformed_body');
    throwsWith(() => parseCallbackPayload('[1]', JSON_TYPE), 'malformed_body');
    throwsWith(() => parseCallbackPayload('bucket=%E4', FORM), 'malformed_body');
    throwsWith(() => parseCallbackPayload('bucket=a&bucket=b&object=o&etag=e&size=1', FORM), 'malformed_body');
    throwsWith(() => parseCallbackPayload('object=o&etag=e&size=1', FORM), 'missing_field');
    throwsWith(() => parseCallbackPayload('bucket=b&object=&etag=e&size=1', FORM), 'missing_field');
    throwsWith(() => parseCallbackPayload('bucket=b&object=o&etag=e&size=-1', FORM), 'bad_field');
    throwsWith(() => parseCallbackPayload('bucket=b&object=o&etag=e&size=1e3', FORM), 'bad_field');
    throwsWith(() => parseCallbackPayload('bucket=b&object=o&etag=e&size=1&crc64=18446744073709551616', FORM), 'bad_field');
    throwsWith(() => parseCallbackPayload('bucket=b&object=o&etag=e&size=1&imageInfo.width=wide', FORM), 'bad_field');
    throwsWith(() => parseCallbackPayload('{"bucket":["b"],"object":"o","etag":"e","size":1}', JSON_TYPE), 'bad_field');
  });

  test('JSON bodies: a repeated field is refused, wherever the copies are and whatever they say', () => {
    const base = '"bucket":"b","object":"o","etag":"E","size":5';
    for (const body of [
      `{${base},"crc64":1,"crc64":2}`,
      `{${base},"crc64":"1","crc64":2}`,
      `{"crc64":1,${base},"crc64":1}`,
      `{${base},"bucket":"b"}`,
      `{${base},"x:token":"a","x:token":"b"}`,
      // The same name spelled with an escape is the same name.
      `{${base},"size":6,"\\u0073ize":5}`.replace(',"size":5', ''),
    ]) {
      throwsWith(() => parseCallbackPayload(body, JSON_TYPE), 'malformed_body');
    }
  });

  test('JSON bodies: every field comes from one parse (the crc64 regex could read another copy than JSON.parse)', () => {
    // A field named like crc64 inside a string, or a crc64 in a nested place, is not the field.
    const tricky = '{"note":"\\"crc64\\":1,","bucket":"b","object":"o","etag":"E","size":5,"crc64":18446744073709551615}';
    assert.equal(parseCallbackPayload(tricky, JSON_TYPE).crc64, '18446744073709551615');
    // Whitespace and key order as JSON allows; numbers keep their digits; null is absent.
    const spaced = '\r\n{ "size" : 5 ,\t"crc64" : 9007199254740993 , "object" : "a\\/b" , "etag" : "E" , "bucket" : "b" , "mimeType" : null }\n';
    const parsed = parseCallbackPayload(spaced, JSON_TYPE);
    assert.equal(parsed.crc64, '9007199254740993');
    assert.equal(parsed.object, 'a/b');
    assert.equal(parsed.mimeType, undefined);
    // Numbers are read as written: a size of 5.0 or 5e0 is not an integer as OSS writes one.
    throwsWith(() => parseCallbackPayload('{"bucket":"b","object":"o","etag":"E","size":5.0}', JSON_TYPE), 'bad_field');
    throwsWith(() => parseCallbackPayload('{"bucket":"b","object":"o","etag":"E","size":5,"crc64":1e3}', JSON_TYPE), 'bad_field');
  });

  test('JSON bodies: not JSON, not an object, trailing text, nested or boolean values are refused', () => {
    const base = '"bucket":"b","object":"o","etag":"E","size":5';
    for (const body of [`{${base}`, `{${base},}`, `{${base}} x`, `{${base}}{}`, `\uFEFF{${base}}`, `{${base},"a":"\u0001"}`, `{${base},"a":"\\x"}`, `{${base},"a":01}`, `{${base},'a':1}`, '', '"s"', '[]']) {
      throwsWith(() => parseCallbackPayload(body, JSON_TYPE), 'malformed_body');
    }
    for (const body of [`{${base},"imageInfo":{"height":1}}`, `{${base},"x:var_a":["1"]}`, `{${base},"x:var_a":true}`]) {
      throwsWith(() => parseCallbackPayload(body, JSON_TYPE), 'bad_field');
    }
    // Deep nesting is refused at the first level, not by exhausting the stack.
    throwsWith(() => parseCallbackPayload(`{${base},"a":${'['.repeat(200_000)}}`, JSON_TYPE), 'bad_field');
  });

  test('JSON bodies: the result agrees with JSON.parse on every body both accept', () => {
    const body = JSON.stringify({ bucket: 'b', object: 'd/中文 "x"\\\n', etag: '"E"', size: 3, contentMd5: '', 'x:job_id': 'j', 'x:var_a': 'é\u2028' });
    const parsed = parseCallbackPayload(body, JSON_TYPE);
    const reference = JSON.parse(body) as Record<string, string>;
    assert.equal(parsed.object, reference.object);
    assert.deepEqual(parsed.vars, { 'x:job_id': 'j', 'x:var_a': 'é\u2028' });
  });

  test('our JSON template reads back exactly whether OSS inserts ${crc64} as a JSON string or as a bare number', () => {
    const template = standardBodyTemplate(['x:job_id'], JSON_TYPE);
    assert.ok(template.includes('"crc64":${crc64}'), template);
    const CRC = '18446744073709551615';
    const values: Record<string, string> = { bucket: 'b', object: 'a/b c.txt', etag: '"E"', mimeType: 'text/plain', 'imageInfo.format': '', contentMd5: '', vpcId: '', clientIp: '1.2.3.4', reqId: 'R', operation: 'PutObject', 'x:job_id': 'j' };
    const numbers: Record<string, string> = { size: '5', 'imageInfo.height': '', 'imageInfo.width': '' };
    for (const crcAs of ['string', 'number'] as const) {
      const body = template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        if (name === 'crc64') return crcAs === 'string' ? JSON.stringify(CRC) : CRC;
        return name in numbers ? numbers[name]! : JSON.stringify(values[name]);
      });
      const parsed = parseCallbackPayload(body, JSON_TYPE);
      assert.equal(parsed.crc64, CRC, crcAs);
      assert.equal(parsed.size, 5);
      assert.equal(parsed.object, 'a/b c.txt');
    }
  });
});

