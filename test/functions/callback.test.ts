import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore/index';
import { RecordStore } from '../../lib/store/store';
import { storeConfigFromEnv } from '../../lib/store/config';
import { standardBodyTemplate } from '../../lib/protocol/template';
import { createJobToken } from '../../lib/protocol/token';
import { setLogSink } from '../../lib/log';
import { forgetCallbackInstance } from '../../lib/callback/instance';
import { signAsOss, startKeyServer, testKeyPair, type KeyServer } from '../support/oss-signer';
import { httpEvent, fcContext } from '../support/fc-events';
import type { FcHttpResponse } from '../../lib/fc';

const SECRET = 'callback-test-secret-0123456789';
const pair = testKeyPair(1024);
const foreign = testKeyPair(1024);
let tablestore: TablestoreEmulator;
let keys: KeyServer;
let store: RecordStore;
let handler: (event: Buffer, context: ReturnType<typeof fcContext>) => Promise<FcHttpResponse>;
const logLines: string[] = [];

/** A form body as OSS fills standardBodyTemplate for an upload. */
function filledBody(fields: { bucket: string; object: string; size: number; jobId?: string; token?: string; vars?: Record<string, string> }): string {
  const values: Record<string, string> = {
    bucket: fields.bucket,
    object: fields.object,
    etag: '"5EB63BBBE01EEED093CB22BB8F5ACDC3"',
    size: String(fields.size),
    mimeType: 'text/plain',
    'imageInfo.height': '',
    'imageInfo.width': '',
    'imageInfo.format': '',
    crc64: '18446744073709551615',
    contentMd5: 'XrY7u+Ae7tCTyyK7j1rNww==',
    vpcId: '',
    clientIp: '10.0.0.7',
    reqId: '6571A3B0C0FFEE',
    operation: 'PutObject',
  };
  if (fields.jobId !== undefined) values['x:job_id'] = fields.jobId;
  if (fields.token !== undefined) values['x:token'] = fields.token;
  for (const [k, v] of Object.entries(fields.vars ?? {})) values[`x:var_${k}`] = v;
  const template = standardBodyTemplate(Object.keys(values).filter((k) => k.startsWith('x:')));
  return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

function signedEvent(body: string, opts: { path?: string; key?: typeof pair; keyUrl?: string; method?: string } = {}): Buffer {
  const path = opts.path ?? '/oss/callback';
  const headers = signAsOss((opts.key ?? pair).privateKey, opts.keyUrl ?? `${keys.prefix}oss.pem`, { path, body });
  return httpEvent({ method: opts.method, path, headers: { ...headers, 'user-agent': 'aliyun-oss-callback' }, body });
}

async function call(event: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handler(event, fcContext());
  assert.equal(res.headers?.['Content-Type'], 'application/json; charset=utf-8');
  return { status: res.statusCode, body: JSON.parse(res.body ?? '') as Record<string, unknown> };
}

before(async () => {
  tablestore = await startTablestoreEmulator({ port: 0 });
  keys = await startKeyServer({ '/oss.pem': pair.publicPem, '/foreign.pem': foreign.publicPem });
  Object.assign(process.env, {
    CALLBACK_TOKEN_SECRET: SECRET,
    CALLBACK_ALLOWED_BUCKETS: 'uploads,other-ok',
    CALLBACK_PUBKEY_URL_PREFIXES: keys.prefix,
    TABLESTORE_ENDPOINT: tablestore.url,
    TABLESTORE_INSTANCE: tablestore.instance,
    TABLESTORE_TABLE: 'callback_test',
    ALIBABA_CLOUD_ACCESS_KEY_ID: tablestore.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: tablestore.accessKeySecret,
  });
  store = new RecordStore(storeConfigFromEnv(process.env));
  await store.ensureTable();
  setLogSink((line) => logLines.push(line));
  ({ handler } = (await import('../../functions/callback/index')) as unknown as { handler: typeof handler });
});

after(async () => {
  await keys.close();
  await tablestore.close();
});

describe('callback handler (in-process, real Tablestore emulator)', () => {
  test('a signed callback with a valid token is recorded as uploaded, vars carried, and answered with JSON', async () => {
    const object = 'photos/中文 a+b.txt';
    const token = createJobToken([SECRET], { jobId: 'cb-ok-1', bucket: 'uploads', key: object, vars: { invoice: '42' } });
    const res = await call(signedEvent(filledBody({ bucket: 'uploads', object, size: 11, jobId: 'cb-ok-1', token, vars: { invoice: '42' } })));
    assert.equal(res.status, 200);
    // A quoted ${etag} is recorded and answered bare, as the uploader records a HEAD's ETag.
    assert.deepEqual(res.body, { jobId: 'cb-ok-1', status: 'uploaded', etag: '5EB63BBBE01EEED093CB22BB8F5ACDC3', size: 11 });
    const record = await store.getRecord('cb-ok-1');
    assert.equal(record?.status, 'uploaded');
    assert.equal(record?.recordedBy, 'callback');
    assert.equal(record?.object, object);
    assert.equal(record?.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    assert.equal(record?.crc64, '18446744073709551615');
    assert.deepEqual(record?.vars, { invoice: '42' });
    assert.equal(record?.deliveries, 0);
    // A replay of the same callback writes nothing and is answered with the stored record.
    const again = await call(signedEvent(filledBody({ bucket: 'uploads', object, size: 11, jobId: 'cb-ok-1', token, vars: { invoice: '42' } })));
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, res.body);
    assert.deepEqual(await store.getRecord('cb-ok-1'), record, 'nothing rewritten, updated_at included');
  });

  test('a finished record is final: a later signed callback with the same token but other values changes nothing', async () => {
    const object = 'final/a.txt';
    const jobId = 'cb-final-1';
    const token = createJobToken([SECRET], { jobId, bucket: 'uploads', key: object, vars: {} });
    const first = await call(signedEvent(filledBody({ bucket: 'uploads', object, size: 11, jobId, token })));
    assert.equal(first.status, 200);
    const stored = await store.getRecord(jobId);
    logLines.length = 0;
    // OSS would sign whatever body the uploading account's template makes: another size here.
    const other = await call(signedEvent(filledBody({ bucket: 'uploads', object, size: 999, jobId, token })));
    assert.equal(other.status, 200);
    assert.deepEqual(other.body, { jobId, status: 'uploaded', etag: stored!.etag, size: 11 }, 'answered with what is stored');
    assert.deepEqual(await store.getRecord(jobId), stored);
    assert.ok(logLines.some((l) => (JSON.parse(l) as { outcome?: string }).outcome === 'already_recorded'));
  });

  test('the body may arrive Base64-encoded', async () => {
    const token = createJobToken([SECRET], { jobId: 'cb-b64', bucket: 'uploads', key: 'k.bin', vars: {} });
    const body = filledBody({ bucket: 'uploads', object: 'k.bin', size: 1, jobId: 'cb-b64', token });
    const headers = signAsOss(pair.privateKey, `${keys.prefix}oss.pem`, { path: '/cb', body });
    const res = await call(httpEvent({ path: '/cb', headers, body: Buffer.from(body) }));
    assert.equal(res.status, 200);
  });

  test('refusals: right status, a reason, and nothing written', async () => {
    const object = 'x.txt';
    const mk = (jobId: string, bucket = 'uploads', key = object) => createJobToken([SECRET], { jobId, bucket, key, vars: {} });
    const mkVars = (jobId: string, vars: Record<string, string>) => createJobToken([SECRET], { jobId, bucket: 'uploads', key: object, vars });
    // The same MAC bytes, with the last character's unused low bits set.
    const respell = (token: string) => token.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charAt('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(token.at(-1)!) | 1);
    const cases: { name: string; jobId: string; event: () => Buffer; status: number; reason: string }[] = [
      { name: 'GET', jobId: 'r-get', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-get', token: mk('r-get') }), { method: 'GET' }), status: 405, reason: 'method_not_allowed' },
      { name: 'another key', jobId: 'r-key', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-key', token: mk('r-key') }), { key: foreign }), status: 403, reason: 'signature_mismatch' },
      { name: 'disallowed key URL', jobId: 'r-url', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-url', token: mk('r-url') }), { keyUrl: 'https://gosspublic.alicdn.com.evil.com/k.pem' }), status: 403, reason: 'pub_key_url_not_allowed' },
      { name: 'no token', jobId: 'r-notoken', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-notoken' })), status: 403, reason: 'token_missing' },
      { name: 'token of another job', jobId: 'r-foreign', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-foreign', token: mk('someone-else') })), status: 403, reason: 'token_mismatch' },
      { name: 'token for another key', jobId: 'r-otherkey', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-otherkey', token: mk('r-otherkey', 'uploads', 'y.txt') })), status: 403, reason: 'token_mismatch' },
      {
        name: 'vars swapped',
        jobId: 'r-vars-swap',
        event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-vars-swap', token: mkVars('r-vars-swap', { invoice: '1' }), vars: { invoice: '2' } })),
        status: 403,
        reason: 'token_mismatch',
      },
      { name: 'var added', jobId: 'r-vars-add', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-vars-add', token: mk('r-vars-add'), vars: { invoice: '2' } })), status: 403, reason: 'token_mismatch' },
      { name: 'var removed', jobId: 'r-vars-del', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-vars-del', token: mkVars('r-vars-del', { invoice: '1' }) })), status: 403, reason: 'token_mismatch' },
      { name: 'token respelled', jobId: 'r-respelled', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-respelled', token: respell(mk('r-respelled')) })), status: 403, reason: 'token_malformed' },
      {
        name: 'JSON body repeating a field',
        jobId: 'r-json-dup',
        event: () => {
          const body = JSON.stringify({ bucket: 'uploads', object, etag: 'E', size: 1, 'x:job_id': 'r-json-dup', 'x:token': mk('r-json-dup') }).replace('"size":1', '"size":1,"size":2');
          const headers = signAsOss(pair.privateKey, `${keys.prefix}oss.pem`, { path: '/cb', body, contentType: 'application/json' });
          return httpEvent({ path: '/cb', headers, body });
        },
        status: 400,
        reason: 'malformed_body',
      },
      { name: 'bucket not allowed', jobId: 'r-bucket', event: () => signedEvent(filledBody({ bucket: 'strangers', object, size: 1, jobId: 'r-bucket', token: mk('r-bucket', 'strangers') })), status: 403, reason: 'bucket_not_allowed' },
      { name: 'no job id', jobId: 'r-none', event: () => signedEvent(filledBody({ bucket: 'uploads', object, size: 1 })), status: 400, reason: 'job_id_missing' },
      { name: 'unsigned', jobId: 'r-unsigned', event: () => httpEvent({ path: '/cb', body: filledBody({ bucket: 'uploads', object, size: 1, jobId: 'r-unsigned', token: mk('r-unsigned') }) }), status: 403, reason: 'authorization_missing' },
      { name: 'too large', jobId: 'r-large', event: () => httpEvent({ path: '/cb', body: 'a'.repeat(1024 * 1024 + 10) }), status: 413, reason: 'body_too_large' },
      { name: 'not an event', jobId: 'r-bad', event: () => Buffer.from('not json'), status: 400, reason: 'event_not_json' },
    ];
    for (const c of cases) {
      const res = await call(c.event());
      assert.equal(res.status, c.status, `${c.name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, c.reason, c.name);
      assert.equal(typeof res.body.message, 'string');
      assert.equal(await store.getRecord(c.jobId), undefined, `${c.name} wrote a record`);
    }
  });

  // Found by test/reliability/forged-callbacks.test.ts: FC passes no raw query, so the
  // signature was checked without it and a query added to a signed callback went through.
  test('a validly signed callback with query parameters added is refused, nothing written', async () => {
    const token = createJobToken([SECRET], { jobId: 'cb-query', bucket: 'uploads', key: 'q.txt', vars: {} });
    const event = JSON.parse(signedEvent(filledBody({ bucket: 'uploads', object: 'q.txt', size: 1, jobId: 'cb-query', token })).toString()) as Record<string, unknown>;
    for (const queryParameters of [{ a: '1' }, { '': '' }]) {
      const res = await call(Buffer.from(JSON.stringify({ ...event, queryParameters })));
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'query_not_allowed');
      assert.equal(typeof res.body.message, 'string');
    }
    assert.equal(await store.getRecord('cb-query'), undefined);
    // The same request without the query is accepted: the refusal is the query's doing.
    assert.equal((await call(Buffer.from(JSON.stringify(event)))).status, 200);
  });

  test('a store that fails answers 503 (OSS then reports CallbackFailed to the uploader)', async () => {
    tablestore.faults.inject({ operation: '*', count: 20, status: 503, code: 'OTSServerBusy' });
    try {
      const token = createJobToken([SECRET], { jobId: 'cb-503', bucket: 'uploads', key: 'z.txt', vars: {} });
      const res = await call(signedEvent(filledBody({ bucket: 'uploads', object: 'z.txt', size: 1, jobId: 'cb-503', token })));
      assert.equal(res.status, 503);
      assert.equal(res.body.error, 'store_unavailable');
    } finally {
      tablestore.faults.clear();
    }
  });

  test('one structured log line per request, without secrets', () => {
    assert.ok(logLines.length >= 10);
    for (const line of logLines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(entry.fn, 'callback');
      assert.equal(typeof entry.ms, 'number');
      assert.equal(typeof entry.outcome, 'string');
      assert.ok(!line.includes(SECRET) && !/v[12]\.[0-9a-z]+\./.test(line), 'a secret or token leaked into the log');
    }
  });
});

describe('callback handler, misconfigured', () => {
  // Each case needs an instance that has not read its configuration yet.
  after(() => forgetCallbackInstance());

  test('a bad setting answers 500 naming the setting, never its value, in the answer or the log', async () => {
    const SECRETISH = 'S3cr3t-Value-7f2a';
    const cases: [string, string][] = [
      ['TABLESTORE_ENDPOINT', `https://LTAIkey:${SECRETISH}@myinstance.cn-hangzhou.ots.aliyuncs.com`],
      ['TABLESTORE_ENDPOINT', `https://:${SECRETISH}@myinstance.cn-hangzhou.ots.aliyuncs.com`],
      ['TABLESTORE_ENDPOINT', `https://myinstance.cn-hangzhou.ots.aliyuncs.com/?token=${SECRETISH}`],
      ['TABLESTORE_ENDPOINT', `not a url ${SECRETISH}`],
      ['TABLESTORE_INSTANCE', `${SECRETISH}!`],
      ['TABLESTORE_TABLE', `${SECRETISH}-table`],
      ['CALLBACK_ALLOWED_BUCKETS', `uploads,${SECRETISH}`],
      ['CALLBACK_PUBKEY_URL_PREFIXES', `https://user:${SECRETISH}@keys.example/`],
      ['CALLBACK_PUBKEY_FETCHES_PER_MINUTE', SECRETISH],
      ['CALLBACK_SIGNED_PATH_PREFIX', `${SECRETISH}/`],
    ];
    for (const [name, value] of cases) {
      const saved = process.env[name];
      process.env[name] = value;
      const linesBefore = logLines.length;
      let res: FcHttpResponse;
      try {
        forgetCallbackInstance();
        res = await handler(httpEvent({ path: '/cb', body: 'a=1' }), fcContext());
      } finally {
        process.env[name] = saved;
      }
      assert.equal(res.statusCode, 500, name);
      const body = JSON.parse(res.body ?? '') as { error: string; message: string };
      assert.equal(body.error, 'misconfigured', name);
      assert.match(body.message, new RegExp(name), `${name}: the message names the setting`);
      assert.ok(!(res.body ?? '').includes(SECRETISH), `${name}: the answer contains the value: ${res.body}`);
      const logged = logLines.slice(linesBefore).join('\n');
      assert.ok(logged.length > 0 && !logged.includes(SECRETISH), `${name}: the log contains the value`);
    }
  });
});

