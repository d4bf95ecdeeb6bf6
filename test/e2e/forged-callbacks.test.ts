// End to end: forged callbacks POSTed over real HTTP to the callback bundle's HTTP trigger
// on the local stack. Each is refused with the right status and a JSON {error, message},
// and writes nothing. A correctly signed callback with a valid token, and a real upload
// through the OSS emulator, are accepted on the same stack: the refusals are due to what
// each forgery gets wrong, not to the setup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobToken } from '../../lib/protocol/token';
import { standardBodyTemplate } from '../../lib/protocol/template';
import { signAsOss, startKeyServer, testKeyPair, type KeyServer } from '../support/oss-signer';
import { httpRequest, startE2eStack, waitForRecord, type E2eStack, type HttpAnswer } from './support';

const CALLBACK_PATH = '/oss/callback';
/** Our own "OSS" key, served under an allowed prefix. */
const trusted = testKeyPair(1024);
/** Someone else's key. */
const intruder = testKeyPair(1024);

interface Fields {
  bucket: string;
  object: string;
  jobId?: string;
  token?: string;
  size?: string;
}

/** A form body as OSS fills the uploader's template (system variables, then x: variables). */
function callbackBody(f: Fields): string {
  const values: Record<string, string> = {
    bucket: f.bucket,
    object: f.object,
    etag: 'D41D8CD98F00B204E9800998ECF8427E',
    size: f.size ?? '0',
    mimeType: 'text/plain',
    'imageInfo.height': '',
    'imageInfo.width': '',
    'imageInfo.format': '',
    crc64: '0',
    contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
    vpcId: '',
    clientIp: '127.0.0.1',
    reqId: '6571A3B0C0FFEE0000000001',
    operation: 'PutObject',
  };
  if (f.jobId !== undefined) values['x:job_id'] = f.jobId;
  if (f.token !== undefined) values['x:token'] = f.token;
  const template = standardBodyTemplate(Object.keys(values).filter((k) => k.startsWith('x:')));
  return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

describe('e2e: forged callbacks to the callback HTTP trigger', () => {
  let e2e: E2eStack;
  let allowedKeys: KeyServer;
  let strayKeys: KeyServer;
  let callbackUrl: string;

  const tokenFor = (jobId: string, bucket: string, key: string, secret = e2e.stack.tokenSecret) => createJobToken([secret], { jobId, bucket, key, vars: {} });

  /** POSTs `body` signed with `key`, naming `keyUrl`, as OSS would send it. */
  function post(body: string, opts: { key?: typeof trusted; keyUrl?: string; method?: string } = {}): Promise<HttpAnswer> {
    const headers = signAsOss((opts.key ?? trusted).privateKey, opts.keyUrl ?? `${allowedKeys.prefix}oss.pem`, { path: CALLBACK_PATH, body });
    return httpRequest(callbackUrl, opts.method ?? 'POST', { ...headers, 'user-agent': 'aliyun-oss-callback', 'x-oss-bucket': e2e.stack.bucket }, body);
  }

  /** The answer is a JSON refusal with this status and reason, and the job has no record. */
  async function assertRefused(answer: HttpAnswer, status: number, reason: string, jobId: string): Promise<void> {
    assert.equal(answer.status, status, answer.body);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
    assert.equal(body.error, reason);
    assert.equal(typeof body.message, 'string');
    assert.equal(await e2e.stack.store.getRecord(jobId), undefined, `${jobId} must not be recorded`);
  }

  before(async () => {
    allowedKeys = await startKeyServer({ '/oss.pem': trusted.publicPem, '/intruder.pem': intruder.publicPem });
    strayKeys = await startKeyServer({ '/oss.pem': trusted.publicPem });
    e2e = await startE2eStack({ trigger: false, extraKeyUrlPrefixes: [allowedKeys.prefix] });
    callbackUrl = `${e2e.stack.fc.httpTriggerUrl('callback')}${CALLBACK_PATH}`;
    assert.equal(callbackUrl, e2e.stack.callbackUrl);
  });
  after(async () => {
    await e2e?.close();
    await allowedKeys?.close();
    await strayKeys?.close();
  });

  test('control: our allowed key with a valid token is accepted and recorded', async () => {
    const { stack } = e2e;
    const object = 'forged/控制 ok+1.txt';
    const answer = await post(callbackBody({ bucket: stack.bucket, object, jobId: 'forge-control', token: tokenFor('forge-control', stack.bucket, object) }));
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { jobId: 'forge-control', status: 'uploaded', etag: 'D41D8CD98F00B204E9800998ECF8427E', size: 0 });
    const record = await stack.store.getRecord('forge-control');
    assert.equal(record?.status, 'uploaded');
    assert.equal(record?.object, object);
  });

  test('control: a real upload through the OSS emulator is still verified (its key prefix stays allowed)', async () => {
    const { stack } = e2e;
    const job = { jobId: 'forge-real-upload', source: { text: 'real\n' }, target: { key: 'forged/real upload.txt' } };
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    assert.equal(result.ok, true, result.payload.toString());
    const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 1);
    assert.equal(record.status, 'uploaded');
    assert.equal(record.recordedBy, 'callback');
  });

  test('signed with another key, under an allowed key URL: 403 signature_mismatch', async () => {
    const { stack } = e2e;
    const object = 'forged/intruder.txt';
    const body = callbackBody({ bucket: stack.bucket, object, jobId: 'forge-other-key', token: tokenFor('forge-other-key', stack.bucket, object) });
    await assertRefused(await post(body, { key: intruder }), 403, 'signature_mismatch', 'forge-other-key');
    // The intruder's key is served under the allowed prefix too, but our signature is not theirs.
    await assertRefused(await post(body, { keyUrl: `${allowedKeys.prefix}intruder.pem` }), 403, 'signature_mismatch', 'forge-other-key');
  });

  test('a key URL outside the allowed prefixes: 403 pub_key_url_not_allowed, and the key is never fetched', async () => {
    const { stack } = e2e;
    const object = 'forged/stray.txt';
    const body = callbackBody({ bucket: stack.bucket, object, jobId: 'forge-stray-key', token: tokenFor('forge-stray-key', stack.bucket, object) });
    await assertRefused(await post(body, { keyUrl: `${strayKeys.prefix}oss.pem` }), 403, 'pub_key_url_not_allowed', 'forge-stray-key');
    await assertRefused(await post(body, { keyUrl: 'http://gosspublic.alicdn.com.evil.example/callback_pub_key_v1.pem' }), 403, 'pub_key_url_not_allowed', 'forge-stray-key');
    assert.equal(strayKeys.hits(), 0);
  });

  test('a valid signature without a valid token: 403 token_missing / token_mismatch', async () => {
    const { stack } = e2e;
    const object = 'forged/no-token.txt';
    await assertRefused(await post(callbackBody({ bucket: stack.bucket, object, jobId: 'forge-no-token' })), 403, 'token_missing', 'forge-no-token');
    const otherJob = tokenFor('forge-someone-else', stack.bucket, object);
    await assertRefused(await post(callbackBody({ bucket: stack.bucket, object, jobId: 'forge-wrong-job', token: otherJob })), 403, 'token_mismatch', 'forge-wrong-job');
    const otherKey = tokenFor('forge-wrong-key', stack.bucket, 'forged/another-object.txt');
    await assertRefused(await post(callbackBody({ bucket: stack.bucket, object, jobId: 'forge-wrong-key', token: otherKey })), 403, 'token_mismatch', 'forge-wrong-key');
    const otherSecret = tokenFor('forge-wrong-secret', stack.bucket, object, 'not-the-stack-secret-0123456789');
    await assertRefused(await post(callbackBody({ bucket: stack.bucket, object, jobId: 'forge-wrong-secret', token: otherSecret })), 403, 'token_mismatch', 'forge-wrong-secret');
  });

  test('a bucket that is not allowed, even with a token for it: 403 bucket_not_allowed', async () => {
    const object = 'forged/elsewhere.txt';
    const body = callbackBody({ bucket: 'strangers-bucket', object, jobId: 'forge-bucket', token: tokenFor('forge-bucket', 'strangers-bucket', object) });
    await assertRefused(await post(body), 403, 'bucket_not_allowed', 'forge-bucket');
  });

  test('malformed (no size) is 400, and a GET is 405', async () => {
    const { stack } = e2e;
    const object = 'forged/malformed.txt';
    const token = tokenFor('forge-malformed', stack.bucket, object);
    const noSize = callbackBody({ bucket: stack.bucket, object, jobId: 'forge-malformed', token }).replace(/(^|&)size=[^&]*/, '');
    await assertRefused(await post(noSize), 400, 'missing_field', 'forge-malformed');
    const fine = callbackBody({ bucket: stack.bucket, object, jobId: 'forge-get', token: tokenFor('forge-get', stack.bucket, object) });
    await assertRefused(await post(fine, { method: 'GET' }), 405, 'method_not_allowed', 'forge-get');
  });
});
