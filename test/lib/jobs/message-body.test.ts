// The message-body rule of lib/jobs/message-body.ts, edge by edge: raw JSON object text,
// or canonical standard Base64 of it, and nothing else.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { base64BodyBytes, readMessageBody } from '../../../lib/jobs/message-body';

// Six '?' in a row: whatever the alignment, an aligned '???' encodes as 'Pz8/', so the
// Base64 has a '/' for the URL-safe case below.
const job = { jobId: 'edge-1', source: { text: 'a & <b> "c" é 中 ??????' }, target: { key: 'edge/1.txt' } };
const json = JSON.stringify(job);
const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

function accepted(body: string, encoding: 'json' | 'base64', value: unknown = job): void {
  assert.deepEqual(readMessageBody(body), { ok: true, value, encoding }, JSON.stringify(body));
}

function refused(body: string, problem: string, message: RegExp): void {
  const result = readMessageBody(body);
  assert.equal(result.ok, false, `accepted ${JSON.stringify(body)}`);
  if (!result.ok) {
    assert.equal(result.problem, problem, JSON.stringify(body));
    assert.match(result.message, message);
  }
}

describe('readMessageBody: raw JSON', () => {
  test('a JSON object, with JSON whitespace or a byte-order mark around it', () => {
    accepted(json, 'json');
    accepted(`  \n\t${json}\r\n`, 'json');
    accepted(`\uFEFF${json}`, 'json');
    accepted(JSON.stringify(job, null, 2), 'json');
  });

  test('text starting with { is never tried as Base64, so a broken object is reported as JSON', () => {
    refused('{"jobId": "x", oops', 'not_json', /message body is not valid JSON/);
    refused('{', 'not_json', /not valid JSON/);
  });

  test('JSON that is not an object is refused: a job is an object', () => {
    refused('[{"jobId":"a"}]', 'not_base64', /neither a JSON object nor canonical Base64/);
    refused('"text"', 'not_base64', /neither/);
    refused('null', 'not_json_object', /Base64, but not of UTF-8 text|not of a JSON object/);
  });
});

describe('readMessageBody: Base64', () => {
  test('standard Base64 of the UTF-8 JSON, with every padding length', () => {
    const paddings = new Set<string>();
    for (const extra of ['', ' ', '  ']) {
      const body = b64(json + extra);
      paddings.add(/=*$/.exec(body)![0]);
      accepted(body, 'base64');
    }
    assert.deepEqual([...paddings].sort(), ['', '=', '==']);
  });

  test('whitespace inside the decoded text, and around the Base64 text, is allowed', () => {
    accepted(b64(`\n  ${json}\n`), 'base64');
    accepted(b64(`\uFEFF${json}`), 'base64');
    accepted(`\n${b64(json)}\n`, 'base64');
  });

  test('MIME line breaks (CRLF or LF every 76 characters) are ignored', () => {
    const body = b64(json);
    const wrapped = body.match(/.{1,76}/g)!;
    accepted(wrapped.join('\r\n'), 'base64');
    accepted(wrapped.join('\n'), 'base64');
  });

  test('the captured console body decodes, but to text that is not a job', () => {
    refused('bW9jayBtbnMgcXVldWUgbWVzc2FnZQ==', 'not_json_object', /Base64, but not of a JSON object/);
  });

  test('the documented sample body "TEST" is Base64-shaped but decodes to bytes that are not UTF-8', () => {
    refused('TEST', 'not_json_object', /not of UTF-8 text/);
  });

  test('Base64 of a JSON array, of a string, of broken JSON, of Base64: refused', () => {
    refused(b64(JSON.stringify([job])), 'not_json_object', /not of a JSON object/);
    refused(b64('"x"'), 'not_json_object', /not of a JSON object/);
    refused(b64('{"jobId": '), 'not_json', /decodes to text that is not valid JSON/);
    refused(b64(b64(json)), 'not_json_object', /not of a JSON object/);
    refused(b64(Buffer.from([0x7b, 0xff, 0x7d])), 'not_json_object', /not of UTF-8 text/);
  });

  test('only canonical standard Base64 counts', () => {
    const body = b64(json);
    const padded = [json, `${json} `, `${json}  `].map(b64).find((b) => b.endsWith('='))!;
    refused(padded.replace(/=+$/, ''), 'not_base64', /neither/); // padding dropped
    assert.match(body, /[+/]/);
    refused(body.replace(/\+/g, '-').replace(/\//g, '_'), 'not_base64', /neither/); // URL-safe alphabet
    refused(`${body.slice(0, 8)} ${body.slice(8)}`, 'not_base64', /neither/); // a space is not a line break
    refused(`${body}=`, 'not_base64', /neither/);
    refused('e31=', 'not_base64', /neither/); // "{}" with non-zero unused bits
    refused('', 'not_base64', /neither/);
    refused('   ', 'not_base64', /neither/);
  });
});

describe('base64BodyBytes', () => {
  test('accepts exactly the canonical form', () => {
    assert.deepEqual(base64BodyBytes('e30='), Buffer.from('{}'));
    assert.deepEqual(base64BodyBytes('eyJhIjoxfQ=='), Buffer.from('{"a":1}'));
    assert.deepEqual(base64BodyBytes('eyJh\r\nIjoxfQ=='), Buffer.from('{"a":1}'));
    assert.equal(base64BodyBytes('e31='), undefined);
    assert.equal(base64BodyBytes('e30'), undefined);
    assert.equal(base64BodyBytes('e3=0'), undefined);
    assert.equal(base64BodyBytes('e30=='), undefined);
    assert.equal(base64BodyBytes('{}'), undefined);
    assert.equal(base64BodyBytes(''), undefined);
  });
});
