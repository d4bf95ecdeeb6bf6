// `npm run submit -- <file> --via invoke` as a child process against the local FC host,
// through both invoke APIs (2016-08-15 with @alicloud/fc2, 2023-03-30 with
// @alicloud/fc20230330), with credentials from the environment or from a profile file
// in a temporary HOME. (The host's FC 3.0 route itself: test/local/fc-host/invoke-api-v3.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFcHost, type FcHost } from '../../../local/fc-host/index';
import { job, jobsFile, removeJobsFiles, runSubmit } from './run-submit';

const bundle = fileURLToPath(new URL('../../support/fixtures/recorder.cjs', import.meta.url));
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

/** No credentials but the ones a test gives: an empty HOME, no instance metadata. */
function noCredentials(): Record<string, string> {
  return { HOME: join(dir, 'empty-home'), ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
}

function keys(overrides: Record<string, string> = {}): Record<string, string> {
  const { accessKeyId, accessKeySecret } = host.fc3Options();
  return { ...noCredentials(), ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret, ...overrides };
}

describe('npm run submit --via invoke', () => {
  test('--api fc3 (default): every job reaches the function once, asynchronously; FC_FUNCTION defaults to s.yaml', async () => {
    const lines = [job('i-1', 'a & <b>'), job('i-2'), job('i-3'), job('i-4')];
    const run = await runSubmit([jobsFile(lines), '--via', 'invoke'], keys({ FC_ENDPOINT: host.url }));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Sent 4 of 4 jobs to function 'oss-upload-uploader' at http:\/\/127\.0\.0\.1:\d+ \(FC 3\.0 API 2023-03-30/);
    assert.match(run.stderr, /with credentials from environment variables/);
    assert.deepEqual((await takeRecorded()).sort(), [...lines].sort());
  });

  test('--api fc3 with credentials from the Alibaba Cloud CLI profile in ~/.aliyun/config.json, none in the environment', async () => {
    const home = join(dir, 'cli-home');
    mkdirSync(join(home, '.aliyun'), { recursive: true });
    const { accessKeyId, accessKeySecret } = host.fc3Options();
    // The CLI's own format (@alicloud/credentials src/providers/cli_profile.ts reads `current` and `profiles`).
    const config = {
      current: 'other',
      profiles: [
        { name: 'other', mode: 'AK', access_key_id: 'LTAI-other', access_key_secret: 'other-secret' },
        { name: 'uploads', mode: 'AK', access_key_id: accessKeyId, access_key_secret: accessKeySecret, region_id: 'cn-hangzhou' },
      ],
    };
    writeFileSync(join(home, '.aliyun', 'config.json'), JSON.stringify(config));
    const lines = [job('p-1'), job('p-2')];
    const run = await runSubmit([jobsFile(lines), '--via', 'invoke'], { HOME: home, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ALIBABA_CLOUD_PROFILE: 'uploads', FC_ENDPOINT: host.url });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`with credentials from Alibaba Cloud CLI profile ${home}/\\.aliyun/config\\.json`));
    assert.deepEqual((await takeRecorded()).sort(), [...lines].sort());
    // Its current profile holds another key: the host refuses it, and the run stops.
    const refused = await runSubmit([jobsFile([job('p-3')]), '--via', 'invoke'], { HOME: home, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', FC_ENDPOINT: host.url });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /FC answered 403 InvalidAccessKeyID: invalid access key ID 'LTAI-other'/);
    assert.doesNotMatch(refused.stdout + refused.stderr, /other-secret/);
    assert.deepEqual(await takeRecorded(), []);
  });

  test('without credentials anywhere: exit 2, every place looked in is named, nothing sent', async () => {
    const run = await runSubmit([jobsFile([job('n-1')]), '--via', 'invoke'], { ...noCredentials(), FC_ENDPOINT: host.url });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /no Alibaba Cloud credentials found/);
    for (const place of ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE', '.aliyun/config.json', '.alibabacloud/credentials', 'ECS RAM role', 'ALIBABA_CLOUD_CREDENTIALS_URI']) {
      assert.ok(run.stderr.includes(place), place);
    }
    assert.deepEqual(await takeRecorded(), []);
  });

  test('--allow-invalid names the record of a line without a usable job id: invalid- + SHA-256 of the event', async () => {
    const line = '{"source":{"text":"no id"},"target":{"key":"k"}}';
    const run = await runSubmit([jobsFile([line]), '--via', 'invoke', '--allow-invalid'], keys({ FC_ENDPOINT: host.url }));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const printed = /line 1: jobId is missing\n {4}recorded as job (invalid-[0-9a-f]{16})/.exec(run.stdout);
    assert.ok(printed, run.stdout);
    const [event] = await takeRecorded();
    assert.equal(printed[1], `invalid-${createHash('sha256').update(event!, 'utf8').digest('hex').slice(0, 16)}`, 'the id the uploader will record it under');
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
