// Issuing tickets (lib/ticket): the form's fields, the V4 policy and what it pins, the
// signature (checked against the PostObject V4 algorithm as Alibaba's Python SDK sample
// computes it, not against our code), the callback field with a job token the callback
// function accepts, STS keys, and every refusal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeCallback } from '../../../local/oss/callback-params';
import { verifyJobToken } from '../../../lib/protocol/token';
import type { TicketConfig } from '../../../lib/ticket/config';
import { TicketError } from '../../../lib/ticket/errors';
import { issueTicket, MAX_FORM_FIELD_BYTES } from '../../../lib/ticket/issue';
import { parseTicketRequest, type TicketRequest } from '../../../lib/ticket/request';

const SECRETS = ['ticket-test-secret-0123456789'];
const CREDENTIALS = { accessKeyId: 'LTAI5tTicketTest', accessKeySecret: 'ticket-test-access-secret' };
const NOW = Date.UTC(2026, 11, 2, 10, 11, 12, 345);

const config: TicketConfig = {
  region: 'cn-hangzhou',
  bucket: 'photos',
  uploadUrl: 'https://photos.oss-cn-hangzhou.aliyuncs.com',
  callbackUrl: 'https://cb.example.com/oss/callback',
  tokenSecrets: SECRETS,
  keyPrefix: 'uploads/',
  perUser: true,
  userHeader: 'x-user-id',
  maxBytesCap: 10 * 1024 * 1024,
  expiresSeconds: 600,
  store: { endpoint: 'http://127.0.0.1:1', instance: 'inst', table: 'upload_results', credentials: CREDENTIALS },
};

/** PostObject V4 as aliyun/alibabacloud-oss-python-sdk-v2 sample/post_object.py (commit 3c35261) computes it. */
function pythonSampleSignature(secret: string, date: string, region: string, stringToSign: string): string {
  let key = createHmac('sha256', `aliyun_v4${secret}`).update(date).digest();
  for (const part of [region, 'oss', 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function request(body: Record<string, unknown>): TicketRequest {
  return parseTicketRequest(Buffer.from(JSON.stringify(body)));
}

function refusal(fn: () => unknown): TicketError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TicketError) return error;
    throw error;
  }
  assert.fail('expected a TicketError');
}

describe('ticket issuing', () => {
  test('a filename ticket: job id under the user, key under uploads/users/<id>/, the form fields in order', () => {
    const ticket = issueTicket(request({ filename: 'C:\\photos\\cat.jpg', contentType: 'image/jpeg', maxBytes: 2048, jobId: 'avatar-1' }), 'u-42', config, CREDENTIALS, NOW);
    assert.equal(ticket.jobId, 'u-42:avatar-1');
    assert.equal(ticket.url, 'https://photos.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(ticket.expiresAt, '2026-12-02T10:21:12.345Z');
    assert.deepEqual(Object.keys(ticket.fields), [
      'key',
      'policy',
      'x-oss-signature-version',
      'x-oss-credential',
      'x-oss-date',
      'x-oss-signature',
      'success_action_status',
      'Content-Type',
      'callback',
      'x:job_id',
      'x:token',
      'x:var_user',
    ]);
    assert.equal(ticket.fields.key, 'uploads/users/u-42/avatar-1/cat.jpg');
    assert.equal(ticket.fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
    assert.equal(ticket.fields['x-oss-credential'], 'LTAI5tTicketTest/20261202/cn-hangzhou/oss/aliyun_v4_request');
    assert.equal(ticket.fields['x-oss-date'], '20261202T101112Z');
    assert.equal(ticket.fields.success_action_status, '200');
    assert.equal(ticket.fields['Content-Type'], 'image/jpeg');
  });

  test('the signature is the V4 PostObject signature of the Base64 policy (Alibaba\'s Python sample algorithm)', () => {
    const ticket = issueTicket(request({ filename: 'a.txt' }), 'u-42', config, CREDENTIALS, NOW);
    assert.equal(ticket.fields['x-oss-signature'], pythonSampleSignature(CREDENTIALS.accessKeySecret, '20261202', 'cn-hangzhou', ticket.fields.policy!));
    assert.match(ticket.fields['x-oss-signature']!, /^[0-9a-f]{64}$/);
  });

  test('the policy pins bucket, exact key, size range, status, content type, callback, every x: field and the V4 fields; expiry 10 minutes', () => {
    const ticket = issueTicket(request({ key: 'uploads/users/u-42/docs/report.pdf', contentType: 'application/pdf', maxBytes: 5000, vars: { album: 'summer' } }), 'u-42', config, CREDENTIALS, NOW);
    const policy = JSON.parse(Buffer.from(ticket.fields.policy!, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
    assert.equal(policy.expiration, '2026-12-02T10:21:12.345Z');
    const f = ticket.fields;
    assert.deepEqual(policy.conditions, [
      { bucket: 'photos' },
      ['eq', '$key', 'uploads/users/u-42/docs/report.pdf'],
      ['content-length-range', 1, 5000],
      ['eq', '$success_action_status', '200'],
      ['eq', '$Content-Type', 'application/pdf'],
      ['eq', '$callback', f.callback],
      ['eq', '$x:job_id', f['x:job_id']],
      ['eq', '$x:token', f['x:token']],
      ['eq', '$x:var_album', 'summer'],
      ['eq', '$x:var_user', 'u-42'],
      { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
      { 'x-oss-credential': f['x-oss-credential'] },
      { 'x-oss-date': f['x-oss-date'] },
    ]);
  });

  test('the callback field: OSS parameters for the callback URL with the standard body, and a job token the callback function accepts for this job, bucket and key', () => {
    const ticket = issueTicket(request({ filename: 'a.txt', vars: { album: 'summer' } }), 'u-42', config, CREDENTIALS, NOW);
    const spec = decodeCallback(ticket.fields.callback!);
    assert.deepEqual(spec.urls, ['https://cb.example.com/oss/callback']);
    assert.equal(spec.sni, true);
    assert.match(spec.body, /^bucket=\$\{bucket\}&object=\$\{object\}&etag=\$\{etag\}&size=\$\{size\}/);
    for (const v of ['x:job_id', 'x:token', 'x:var_album', 'x:var_user']) assert.ok(spec.body.includes(`\${${v}}`), v);
    assert.equal(ticket.fields['x:job_id'], ticket.jobId);
    verifyJobToken(SECRETS, { jobId: ticket.jobId, bucket: 'photos', key: ticket.fields.key!, vars: { album: 'summer', user: 'u-42' } }, ticket.fields['x:token'], { now: NOW });
    // The token binds the vars: another album is refused.
    assert.throws(() => verifyJobToken(SECRETS, { jobId: ticket.jobId, bucket: 'photos', key: ticket.fields.key!, vars: { album: 'winter', user: 'u-42' } }, ticket.fields['x:token'], { now: NOW }));
    assert.throws(() => verifyJobToken(SECRETS, { jobId: ticket.jobId, bucket: 'photos', key: 'uploads/users/u-42/other.txt', vars: { album: 'summer', user: 'u-42' } }, ticket.fields['x:token'], { now: NOW }));
  });

  test('with temporary (STS) keys the form and the policy carry x-oss-security-token', () => {
    const sts = { accessKeyId: 'STS.NUabc', accessKeySecret: 'sts-secret', securityToken: 'CAIS-token-value' };
    const ticket = issueTicket(request({ filename: 'a.txt' }), 'u-42', config, sts, NOW);
    assert.equal(ticket.fields['x-oss-security-token'], 'CAIS-token-value');
    const policy = JSON.parse(Buffer.from(ticket.fields.policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    assert.deepEqual(policy.conditions.at(-1), { 'x-oss-security-token': 'CAIS-token-value' });
    assert.equal(ticket.fields['x-oss-signature'], pythonSampleSignature('sts-secret', '20261202', 'cn-hangzhou', ticket.fields.policy!));
  });

  test('without per-user keys the key is under the prefix alone; without maxBytes the cap applies; without a jobId one is made', () => {
    const shared = { ...config, perUser: false };
    const ticket = issueTicket(request({ filename: 'a.txt' }), 'u-42', shared, CREDENTIALS, NOW);
    assert.match(ticket.jobId, /^u-42:t[0-9a-z]+$/);
    assert.equal(ticket.fields.key, `uploads/${ticket.jobId.slice(5)}/a.txt`);
    const policy = JSON.parse(Buffer.from(ticket.fields.policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    assert.deepEqual(policy.conditions[2], ['content-length-range', 1, config.maxBytesCap]);
  });

  test('refusals with their reasons and statuses', () => {
    const cases: [string, () => unknown, string, number][] = [
      ['no user', () => issueTicket(request({ filename: 'a' }), undefined, config, CREDENTIALS), 'user_missing', 401],
      ['user id with a slash', () => issueTicket(request({ filename: 'a' }), '../u', config, CREDENTIALS), 'bad_user_id', 403],
      ['key of another user', () => issueTicket(request({ key: 'uploads/users/u-7/a.txt' }), 'u-42', config, CREDENTIALS), 'key_outside_prefix', 403],
      ['key outside the prefix', () => issueTicket(request({ key: 'private/a.txt' }), 'u-42', config, CREDENTIALS), 'key_outside_prefix', 403],
      ['the prefix itself', () => issueTicket(request({ key: 'uploads/users/u-42/' }), 'u-42', config, CREDENTIALS), 'key_outside_prefix', 403],
      ['dot-dot segment', () => issueTicket(request({ key: 'uploads/users/u-42/../u-7/a' }), 'u-42', config, CREDENTIALS), 'bad_key', 400],
      ['empty segment', () => issueTicket(request({ key: 'uploads/users/u-42//a' }), 'u-42', config, CREDENTIALS), 'bad_key', 400],
      ['control character', () => issueTicket(request({ key: 'uploads/users/u-42/a\nb' }), 'u-42', config, CREDENTIALS), 'bad_key', 400],
      ['filename ..', () => issueTicket(request({ filename: '..' }), 'u-42', config, CREDENTIALS), 'bad_filename', 400],
      ['maxBytes above the cap', () => issueTicket(request({ filename: 'a', maxBytes: config.maxBytesCap + 1 }), 'u-42', config, CREDENTIALS), 'max_bytes_above_cap', 400],
      ['jobId with a colon', () => issueTicket(request({ filename: 'a', jobId: 'u-7:x' }), 'u-42', config, CREDENTIALS), 'bad_job_id', 400],
      ['vars too large for a 4 KB form field', () => issueTicket(request({ filename: 'a', vars: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`v${i}`, 'x'.repeat(500)])) }), 'u-42', config, CREDENTIALS), 'bad_vars', 400],
    ];
    for (const [label, fn, reason, status] of cases) {
      const error = refusal(fn);
      assert.equal(error.reason, reason, label);
      assert.equal(error.status, status, label);
    }
  });

  test('malformed bodies are refused before anything else', () => {
    const cases: [string, string][] = [
      ['not json', 'body_not_json'],
      ['[1,2]', 'body_not_json'],
      ['{}', 'bad_request'],
      ['{"key":"a","filename":"b"}', 'bad_request'],
      ['{"filename":"a","size":3}', 'bad_request'],
      ['{"filename":7}', 'bad_filename'],
      ['{"filename":"a","maxBytes":"10"}', 'bad_max_bytes'],
      ['{"filename":"a","maxBytes":0}', 'bad_max_bytes'],
      ['{"filename":"a","maxBytes":1.5}', 'bad_max_bytes'],
      ['{"filename":"a","contentType":"not a type"}', 'bad_content_type'],
      ['{"filename":"a","vars":{"user":"admin"}}', 'bad_vars'],
      ['{"filename":"a","vars":{"Album":"x"}}', 'bad_vars'],
      ['{"filename":"a","vars":{"n":5}}', 'bad_vars'],
      ['{"filename":"a","jobId":5}', 'bad_job_id'],
    ];
    for (const [body, reason] of cases) assert.equal(refusal(() => parseTicketRequest(Buffer.from(body))).reason, reason, body);
    assert.equal(refusal(() => parseTicketRequest(Buffer.alloc(17 * 1024, 32))).reason, 'body_too_large');
  });

  test('every field of an accepted ticket fits OSS\'s 4 KB per field', () => {
    const ticket = issueTicket(request({ filename: 'a', vars: { a: 'x'.repeat(300), b: 'y'.repeat(300) } }), 'u-42', config, CREDENTIALS, NOW);
    for (const [name, value] of Object.entries(ticket.fields)) assert.ok(Buffer.byteLength(value) <= MAX_FORM_FIELD_BYTES, name);
  });
});
