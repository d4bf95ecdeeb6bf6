// `npm run submit -- <file> --via invoke` as a child process against the local FC host,
// through both invoke APIs (2016-08-15 with @alicloud/fc2, 2023-03-30 with
// lib/fc/invoke-v3.ts), and the host's FC 3.0 route checked directly: signature, error
// body shape, sync and async answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFcHost, type FcHost } from '../../local/fc-host/index';
import { FcV3Error, invokeFunctionV3 } from '../../lib/fc/invoke-v3';
import { acsDate, signRequestV3 } from '../../lib/fc/signature-v3';
import { job, jobsFile, removeJobsFiles, runSubmit } from './run-submit';

const bundle = fileURLToPath(new URL('../fixtures/submit/recorder.cjs', import.meta.url));
// s.yaml's vars.uploaderFunctionName: the script's default FC_FUNCTION.
const UPLOADER = 'oss-upload-uploader';

let host: FcHost;
let dir: string;
let recordFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'submit-invoke-'));
  recordFile = join(dir, 'events.jsonl');
  writeFileSync(recordFile, '');
  host = await startFcHost({
    asyncBackoffMs: 20,
    functions: [{ name: UPLOADER, bundle, handler: 'recorder.handler', httpTrigger: false, asyncRetries: 0, env: { RECORD_FILE: recordFile } }],
  });
});

after(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
  removeJobsFiles();
});

/** The events the function received since the last call, and forgets them. */
async function takeRecorded(): Promise<string[]> {
  await host.asyncIdle();
  const lines = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
  writeFileSync(recordFile, '');
  return lines.map((l) => (JSON.parse(l) as { event: string }).event);
}

function keys(overrides: Record<string, string> = {}): Record<string, string> {
  const { accessKeyId, accessKeySecret } = host.fc3Options();
  return { ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret, ...overrides };
}

describe('npm run submit --via invoke', () => {
  test('--api fc3 (default): every job reaches the function once, asynchronously; FC_FUNCTION defaults to s.yaml', async () => {
    const lines = [job('i-1', 'a & <b>'), job('i-2'), job('i-3'), job('i-4')];
    const run = await runSubmit([jobsFile(lines), '--via', 'invoke'], keys({ FC_ENDPOINT: host.url }));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Sent 4 of 4 jobs to function 'oss-upload-uploader' at http:\/\/127\.0\.0\.1:\d+ \(FC 3\.0 API 2023-03-30/);
    assert.deepEqual((await takeRecorded()).sort(), [...lines].sort());
  });

  test('--api fc2: the same through @alicloud/fc2 and the 2016-08-15 API', async () => {
    const lines = [job('j-1'), job('j-2'), job('j-3')];
    const env = keys({ FC_ENDPOINT: host.url, FC_ACCOUNT_ID: host.accountId, FC_SERVICE: host.service });
    const run = await runSubmit([jobsFile(lines), '--via', 'invoke', '--api', 'fc2', '--function', UPLOADER], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Sent 3 of 3 .*service 'local'.*2016-08-15/);
    assert.deepEqual((await takeRecorded()).sort(), [...lines].sort());
  });

  test('--api fc2 without FC_SERVICE or FC_ACCOUNT_ID: named, exit 2, nothing sent', async () => {
    const run = await runSubmit([jobsFile([job('k-1')]), '--via', 'invoke', '--api', 'fc2'], keys({ FC_ENDPOINT: host.url }));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /FC_SERVICE is not set/);
    assert.match(run.stderr, /FC_ACCOUNT_ID \(or ALIBABA_CLOUD_ACCOUNT_ID\) is not set/);
    assert.deepEqual(await takeRecorded(), []);
  });

  test('a wrong secret is refused by the host (403) and stops the run; nothing reaches the function', async () => {
    const run = await runSubmit([jobsFile([job('w-1'), job('w-2')]), '--via', 'invoke', '--concurrency', '1'], keys({ FC_ENDPOINT: host.url, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' }));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /line 1 \(w-1\): FC answered 403 SignatureNotMatch/);
    assert.match(run.stdout, /Not sent after a fatal error: 1/);
    assert.doesNotMatch(run.stdout + run.stderr, /not-the-secret/);
    assert.deepEqual(await takeRecorded(), []);
  });

  test('a job over the 128 KB async limit is refused before sending', async () => {
    const run = await runSubmit([jobsFile([job('big', 'x'.repeat(130 * 1024))]), '--via', 'invoke'], keys({ FC_ENDPOINT: host.url }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /line 1 \(big\): the job is \d+ bytes; FC async invocation takes at most 131072 bytes \(128 KB\).*source\.url or source\.oss/);
    assert.deepEqual(await takeRecorded(), []);
  });
});

describe('FC host: the 2023-03-30 invoke API', () => {
  test('sync invocation answers 200 with the result; async 202 with a request id', async () => {
    const sync = await invokeFunctionV3(host.fc3Options(), UPLOADER, '{"sync":true}', { qualifier: 'LATEST' });
    assert.equal(sync.status, 200);
    assert.deepEqual(JSON.parse(sync.body.toString()), { recorded: true });
    assert.match(sync.requestId ?? '', /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(sync.errorType, undefined);
    const queued = await invokeFunctionV3(host.fc3Options(), UPLOADER, '{"async":true}', { invocationType: 'Async' });
    assert.equal(queued.status, 202);
    assert.deepEqual(await takeRecorded(), ['{"sync":true}', '{"async":true}']);
  });

  test('a wrong secret: 403 SignatureNotMatch in the FC 3.0 body shape {Code, Message, RequestId}', async () => {
    const { endpoint, accessKeyId } = host.fc3Options();
    const url = new URL(endpoint);
    const path = `/2023-03-30/functions/${UPLOADER}/invocations`;
    const signed = signRequestV3({
      method: 'POST',
      path,
      headers: { host: url.host, 'x-acs-action': 'InvokeFunction', 'x-acs-version': '2023-03-30', 'x-acs-date': acsDate(new Date()), 'x-acs-signature-nonce': 'n-1' },
      body: '{}',
      accessKeyId,
      accessKeySecret: 'wrong-secret',
    });
    const { host: _host, ...headers } = signed.headers;
    const res = await fetch(`${endpoint}${signed.pathAndQuery}`, { method: 'POST', headers: { ...headers, 'x-fc-invocation-type': 'Async' }, body: '{}' });
    assert.equal(res.status, 403);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'Message', 'RequestId']);
    assert.equal(body.Code, 'SignatureNotMatch');
    assert.equal(body.RequestId, res.headers.get('x-fc-request-id'));
    assert.deepEqual(await takeRecorded(), []);
  });

  test('unknown key id, unknown function, an FC 2.0 signature, a tampered body and an oversized async payload are refused', async () => {
    const good = host.fc3Options();
    await assert.rejects(invokeFunctionV3({ ...good, accessKeyId: 'LTAI-someone-else' }, UPLOADER, '{}'), (e: FcV3Error) => e.status === 403 && e.code === 'InvalidAccessKeyID');
    await assert.rejects(invokeFunctionV3(good, 'no-such-fn', '{}'), (e: FcV3Error) => e.status === 404 && e.code === 'FunctionNotFound' && /^1-/.test(e.requestId ?? ''));
    await assert.rejects(
      invokeFunctionV3(good, UPLOADER, 'x'.repeat(128 * 1024 + 1), { invocationType: 'Async' }),
      (e: FcV3Error) => e.status === 400 && e.code === 'EntityTooLarge',
    );

    const fc2Style = await fetch(`${good.endpoint}/2023-03-30/functions/${UPLOADER}/invocations`, {
      method: 'POST',
      headers: {
        authorization: `FC ${good.accessKeyId}:c2lnbmF0dXJl`,
        'x-acs-action': 'InvokeFunction',
        'x-acs-version': '2023-03-30',
        'x-acs-date': acsDate(new Date()),
        'x-acs-signature-nonce': 'n-2',
        'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
      body: '',
    });
    assert.equal(fc2Style.status, 403);
    assert.equal(((await fc2Style.json()) as { Code: string }).Code, 'SignatureNotMatch');

    const url = new URL(good.endpoint);
    const signed = signRequestV3({
      method: 'POST',
      path: `/2023-03-30/functions/${UPLOADER}/invocations`,
      headers: { host: url.host, 'x-acs-action': 'InvokeFunction', 'x-acs-version': '2023-03-30', 'x-acs-date': acsDate(new Date()), 'x-acs-signature-nonce': 'n-3' },
      body: '{"amount":1}',
      accessKeyId: good.accessKeyId,
      accessKeySecret: good.accessKeySecret,
    });
    const { host: _host, ...headers } = signed.headers;
    const tampered = await fetch(`${good.endpoint}${signed.pathAndQuery}`, { method: 'POST', headers, body: '{"amount":9}' });
    assert.equal(tampered.status, 403);
    assert.match(((await tampered.json()) as { Message: string }).Message, /x-acs-content-sha256 does not match the body/);
    assert.deepEqual(await takeRecorded(), []);
  });
});
