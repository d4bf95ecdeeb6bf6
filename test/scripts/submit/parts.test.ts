// The pieces of scripts/submit.ts in-process: argument parsing, settings, failure
// classification, retries and the fatal stop, and terminal progress.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubmitArgs } from '../../../scripts/submit/args';
import { UsageError } from '../../../tools/cli';
import { queueFromSYaml, resolveDestination, uploaderNameFromSYaml } from '../../../scripts/submit/settings';
import { SettingsError } from '../../../tools/settings-error';
import { classifyFailure, type Sender } from '../../../scripts/submit/senders';
import { messageBody } from '../../../tools/jobs-file';
import { sendAll } from '../../../scripts/submit/send-all';
import { FcInvokeError } from '../../../scripts/submit/fc3-invoke';
import { readMessageBody } from '../../../lib/jobs/message-body';

describe('arguments', () => {
  test('defaults, = and space forms, help', () => {
    assert.deepEqual(parseSubmitArgs(['j.jsonl']), { file: 'j.jsonl', via: 'queue', api: 'fc3', concurrency: 8, dryRun: false, allowInvalid: false });
    const parsed = parseSubmitArgs(['--via=invoke', 'j.jsonl', '--api', 'fc2', '--function', 'f', '--concurrency=3', '--dry-run']);
    assert.deepEqual(parsed, { file: 'j.jsonl', via: 'invoke', api: 'fc2', functionName: 'f', concurrency: 3, dryRun: true, allowInvalid: false });
    assert.equal(parseSubmitArgs(['j', '-h']), 'help');
  });

  test('mistakes are usage errors', () => {
    for (const argv of [[], ['a', 'b'], ['j', '--concurrency', '0'], ['j', '--api', 'fc4'], ['j', '--bogus'], ['j', '--queue'], ['j', '--function', 'f']]) {
      assert.throws(() => parseSubmitArgs(argv), UsageError, argv.join(' '));
    }
  });
});

describe('settings', () => {
  const queueArgs = parseSubmitArgs(['j']) as Exclude<ReturnType<typeof parseSubmitArgs>, 'help'>;
  const invokeArgs = parseSubmitArgs(['j', '--via', 'invoke']) as Exclude<ReturnType<typeof parseSubmitArgs>, 'help'>;

  test('cloud endpoints are built from account and region', () => {
    const q = resolveDestination(queueArgs, { ALIBABA_CLOUD_ACCOUNT_ID: '123', FC_REGION: 'cn-shanghai' }, {});
    assert.equal(q.endpoint, 'https://123.mns.cn-shanghai.aliyuncs.com');
    // Without s.yaml's value, the built-in default is still s.yaml's queue name.
    assert.equal(q.via === 'queue' && q.queue, 'oss-upload-jobs');
    const f = resolveDestination(invokeArgs, { FC_ACCOUNT_ID: '123' }, { functionName: 'from-s-yaml' });
    assert.equal(f.endpoint, 'https://123.cn-hangzhou.fc.aliyuncs.com');
    assert.equal(f.via === 'invoke' && f.functionName, 'from-s-yaml');
  });

  test('every missing variable is named at once; a malformed endpoint is refused', () => {
    assert.throws(
      () => resolveDestination(invokeArgs, {}, {}),
      (e: SettingsError) => e.reason === 'missing_settings' && ['FC_ACCOUNT_ID', 'FC_FUNCTION'].every((name) => e.message.includes(`${name} `)),
    );
    assert.throws(() => resolveDestination(queueArgs, { MNS_ACCOUNT_ID: '1', MNS_ENDPOINT: 'ftp://x' }, {}), (e: SettingsError) => e.reason === 'invalid_setting' && /MNS_ENDPOINT must be an http\(s\) URL/.test(e.message));
    // The FC 3.0 SDK takes a host and puts the API path after it: a path of our own cannot be kept.
    assert.throws(
      () => resolveDestination(invokeArgs, { FC_ENDPOINT: 'http://127.0.0.1:9000/prefix', FC_FUNCTION: 'f' }, {}),
      (e: SettingsError) => e.reason === 'invalid_setting' && /FC_ENDPOINT must be a URL without a path/.test(e.message),
    );
  });

  test("the default function and queue are s.yaml's uploader and jobs queue", () => {
    assert.equal(uploaderNameFromSYaml(new URL('../../../s.yaml', import.meta.url).pathname), 'oss-upload-uploader');
    assert.equal(uploaderNameFromSYaml('/no/such/s.yaml'), undefined);
    assert.equal(queueFromSYaml(new URL('../../../s.yaml', import.meta.url).pathname), 'oss-upload-jobs');
    assert.equal(queueFromSYaml('/no/such/s.yaml'), undefined);
  });
});

describe('failures', () => {
  const sdkError = (name: string, message: string, code?: string) => Object.assign(new Error(message), { name, ...(code ? { code } : {}) });

  test('classified by status: transient, fatal, or the job alone', () => {
    assert.equal(classifyFailure(sdkError('MNSServiceUnavailableError', 'POST http://x/queues/q/messages failed with 503. requestid: r')), 'transient');
    assert.equal(classifyFailure(sdkError('FCResourceExhaustedError', 'POST /services/s/functions/f/invocations failed with 429. requestid: r')), 'transient');
    assert.equal(classifyFailure(sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'transient');
    assert.equal(classifyFailure(sdkError('RequestTimeoutError', 'ReadTimeout(30000). POST x failed.')), 'transient');
    assert.equal(classifyFailure(new FcInvokeError('FC answered 503 ServiceUnavailable: busy', { status: 503, code: 'ServiceUnavailable' })), 'transient');
    assert.equal(classifyFailure(sdkError('MNSQueueNotExistError', 'POST x failed with 404. requestid: r')), 'fatal');
    assert.equal(classifyFailure(sdkError('FCInvalidAccessKeyIDError', 'POST /services/s/functions/f/invocations failed with 403. requestid: r')), 'fatal');
    assert.equal(classifyFailure(new FcInvokeError('FC answered 404 FunctionNotFound', { status: 404, code: 'FunctionNotFound' })), 'fatal');
    assert.equal(classifyFailure(new FcInvokeError('FC answered 400 EntityTooLarge', { status: 400, code: 'EntityTooLarge' })), 'job');
    assert.equal(classifyFailure(sdkError('MNSMalformedXMLError', 'POST x failed with 400. requestid: r')), 'job');
  });

  test('MNS bodies are the Base64 of the UTF-8 JSON, which the uploader reads back', () => {
    const job = '{"jobId":"a","source":{"text":"a & <b> é"},"target":{"key":"k"}}';
    const body = messageBody(job);
    assert.match(body, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(Buffer.from(body, 'base64').toString('utf8'), job);
    assert.deepEqual(readMessageBody(body), { ok: true, value: JSON.parse(job), encoding: 'base64' });
  });

  test('sendAll retries transient failures, then stops everything after a fatal one', async () => {
    const calls: string[] = [];
    const failures = new Map([['a', 2]]);
    const sender: Sender = {
      async send(body) {
        calls.push(body);
        const left = failures.get(body) ?? 0;
        if (left > 0) {
          failures.set(body, left - 1);
          throw sdkError('MNSServiceUnavailableError', 'failed with 503.');
        }
        if (body === 'b') throw sdkError('MNSAccessDeniedError', 'failed with 403.');
        return `id-${body}`;
      },
      classify: classifyFailure,
    };
    const items = ['a', 'b', 'c', 'd'].map((body, i) => ({ line: i + 1, jobId: body, body }));
    const results = await sendAll(items, sender, { concurrency: 1, sleep: async () => undefined });
    assert.deepEqual(calls, ['a', 'a', 'a', 'b']);
    assert.deepEqual(results.map((r) => r.status), ['sent', 'failed', 'skipped', 'skipped']);
    assert.equal(results[0]!.status === 'sent' && results[0]!.attempts, 3);
    assert.match(results[2]!.status === 'skipped' ? results[2]!.reason : '', /stopped after line 2: failed with 403/);
  });
});

