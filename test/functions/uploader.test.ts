// The uploader handler end to end on the emulators: every source kind, the 200 and 203
// callback paths, permanent and transient failures, redelivery, multipart.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { handler } from '../../functions/uploader/index';
import type { FcContext } from '../../lib/fc/index';
import { setLogSink, type LogSink } from '../../lib/log';
import { forgetUploaderInstance } from '../../lib/uploader/instance';
import { BatchIncompleteError, type BatchSummary } from '../../lib/uploader/process';
import { freshJobId, patternBytes, patternMd5, SOURCE_BUCKET, startStack, TARGET_BUCKET, TOKEN_SECRET, type Stack } from '../support/uploader-stack';

const KiB = 1024;

function context(requestId = 'req-test'): FcContext {
  return {
    requestId,
    // FC passes empty credentials when the function has no role: the environment's keys apply.
    credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
    function: { name: 'uploader', handler: 'index.handler', memory: 512, timeout: 60 },
    region: 'cn-hangzhou',
    accountId: '1000000000000000',
    logger: console,
  };
}

async function invoke(event: unknown, requestId?: string): Promise<BatchSummary> {
  const result = await handler(Buffer.from(JSON.stringify(event)), context(requestId), () => undefined);
  return result as BatchSummary;
}

async function invokeFailing(event: unknown): Promise<BatchIncompleteError> {
  try {
    await invoke(event);
  } catch (error) {
    assert.ok(error instanceof BatchIncompleteError, `expected BatchIncompleteError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the invocation to fail');
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

describe('uploader handler', () => {
  let stack: Stack;
  let savedEnv: NodeJS.ProcessEnv;
  let lines: string[];
  let previousSink: LogSink;

  before(async () => {
    stack = await startStack();
    savedEnv = { ...process.env };
    Object.assign(process.env, stack.env());
    lines = [];
    previousSink = setLogSink((line) => lines.push(line));
  });
  after(async () => {
    setLogSink(previousSink);
    forgetUploaderInstance();
    process.env = savedEnv;
    await stack.close();
  });
  afterEach(() => {
    stack.oss.faults.clear();
    stack.callback.mode = 'record';
  });

  test('text, base64, url and oss sources are uploaded with a callback that records them', async () => {
    const ids = ['text', 'b64', 'url', 'oss'].map(freshJobId);
    await stack.client(SOURCE_BUCKET).put('in/source.bin', patternBytes(0, 3000));
    const event = [
      { jobId: ids[0], source: { text: 'hello, 世界' }, target: { key: `t/${ids[0]}.txt` }, vars: { user: 'u1' }, metadata: { origin: 'test' } },
      { jobId: ids[1], source: { base64: Buffer.from('base64 body').toString('base64') }, target: { key: `t/${ids[1]}.bin` }, contentType: 'application/x-custom' },
      { jobId: ids[2], source: { url: `${stack.sources.url}/bytes/5000` }, target: { key: `t/${ids[2]}.dat` } },
      { jobId: ids[3], source: { oss: { bucket: SOURCE_BUCKET, key: 'in/source.bin' } }, target: { bucket: TARGET_BUCKET, key: `t/${ids[3]}.bin` } },
    ];
    stack.proxy.reset();
    const summary = await invoke(event, 'req-sources');
    assert.equal(summary.total, 4);
    assert.deepEqual(summary.jobs.map((j) => [j.jobId, j.outcome]), ids.map((id) => [id, 'uploaded']));
    assert.deepEqual(summary.jobs.map((j) => j.bytes), [Buffer.byteLength('hello, 世界'), 11, 5000, 3000]);
    assert.equal(stack.proxy.count('PutObject'), 4);

    const client = stack.client(TARGET_BUCKET);
    const text = await client.get(`t/${ids[0]}.txt`);
    assert.equal(text.content.toString(), 'hello, 世界');
    const textHeaders = text.res.headers as Record<string, string>;
    assert.equal(textHeaders['x-oss-meta-origin'], 'test');
    assert.match(textHeaders['content-type']!, /^text\/plain/);
    const b64 = await client.get(`t/${ids[1]}.bin`);
    assert.equal(b64.content.toString(), 'base64 body');
    assert.equal((b64.res.headers as Record<string, string>)['content-type'], 'application/x-custom');
    assert.equal(md5((await client.get(`t/${ids[2]}.dat`)).content), patternMd5(5000));
    assert.equal(md5((await client.get(`t/${ids[3]}.bin`)).content), patternMd5(3000));

    for (const [i, id] of ids.entries()) {
      const record = await stack.store.getRecord(id!);
      assert.equal(record?.status, 'uploaded', id);
      assert.equal(record?.recordedBy, 'callback');
      assert.equal(record?.deliveries, 1);
      assert.equal(record?.size, summary.jobs[i]!.bytes);
    }
    assert.deepEqual((await stack.store.getRecord(ids[0]!))?.vars, { user: 'u1' });

    const jobLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === 'req-sources');
    assert.equal(jobLines.length, 4);
    for (const line of jobLines) {
      assert.equal(line.fn, 'uploader');
      assert.equal(line.outcome, 'uploaded');
      assert.equal(typeof line.ms, 'number');
    }
    assert.ok(!lines.some((l) => l.includes(TOKEN_SECRET) || l.includes('v1.')), 'no secret or token in the logs');
  });

  test('a callback that fails gives 203: the object is HEADed and recorded stored_unconfirmed', async () => {
    const jobId = freshJobId('unconfirmed');
    stack.callback.mode = 'fail';
    const body = 'stored but not confirmed';
    const summary = await invoke({ jobId, source: { text: body }, target: { key: `u/${jobId}.txt` }, vars: { k: 'v' } });
    assert.equal(summary.jobs[0]!.outcome, 'stored_unconfirmed');
    assert.equal(summary.jobs[0]!.reason, 'callback_failed');
    const record = await stack.store.getRecord(jobId);
    assert.equal(record?.status, 'stored_unconfirmed');
    assert.equal(record?.recordedBy, 'uploader');
    // Bare, as the callback records it: a record reads the same whoever wrote it.
    assert.equal(record?.etag, md5(Buffer.from(body)).toUpperCase());
    assert.equal(record?.size, Buffer.byteLength(body));
    assert.equal(record?.operation, 'PutObject');
    assert.equal(record?.deliveries, 1);
    assert.deepEqual(record?.vars, { k: 'v' });
    assert.match(record?.error ?? '', /^callback failed: CallbackFailed/);
    assert.equal((await stack.client(TARGET_BUCKET).get(`u/${jobId}.txt`)).content.toString(), body);
  });

  test('a callback answering XML is a success: no second upload', async () => {
    const jobId = freshJobId('xml');
    stack.callback.mode = 'xml';
    stack.proxy.reset();
    const summary = await invoke({ jobId, source: { text: 'xml answer' }, target: { key: `x/${jobId}.txt` } });
    assert.equal(summary.jobs[0]!.outcome, 'uploaded');
    assert.equal(stack.proxy.count('PutObject'), 1);
    const record = await stack.store.getRecord(jobId);
    assert.equal(record?.status, 'uploaded');
    assert.equal(record?.deliveries, 1);
  });

  test('permanent failures are recorded failed and do not fail the batch; an invalid job is reported', async () => {
    const missing = freshJobId('missing');
    const denied = freshJobId('denied');
    const invalid = freshJobId('invalid');
    // The emulator creates buckets on first write, so OSS's refusal is injected.
    stack.oss.faults.inject({ operation: 'PutObject', status: 403, code: 'AccessDenied', message: 'You have no right to access this object.' });
    const summary = await invoke([
      { jobId: missing, source: { url: `${stack.sources.url}/status/404` }, target: { key: 'f/missing.bin' } },
      { jobId: denied, source: { text: 'x' }, target: { bucket: 'other-bucket', key: 'f/x.txt' } },
      { jobId: invalid, source: { text: 'x' }, target: { key: '/leading-slash' } },
      { source: { text: 'no id at all' } },
    ]);
    assert.deepEqual(summary.jobs.map((j) => j.outcome), ['failed', 'failed', 'invalid', 'invalid']);
    assert.equal(summary.jobs[0]!.reason, 'source_not_found');
    assert.equal(summary.jobs[1]!.reason, 'oss_AccessDenied');
    assert.equal(summary.jobs[3]!.reason, 'invalid_job_id');
    const noId = summary.jobs[3]!.jobId!;
    assert.match(noId, /^invalid-[0-9a-f]{16}\.3$/, 'recorded under invalid-<hash of the event>.<index>');
    const d = await stack.store.getRecord(noId);
    assert.equal(d?.status, 'failed');
    assert.equal(d?.reason, 'invalid_job_id');
    assert.match(d?.error ?? '', /^jobId is missing/);

    const a = await stack.store.getRecord(missing);
    assert.equal(a?.status, 'failed');
    assert.equal(a?.recordedBy, 'uploader');
    assert.match(a?.error ?? '', /answered 404/);
    const b = await stack.store.getRecord(denied);
    assert.equal(b?.status, 'failed');
    assert.match(b?.error ?? '', /^AccessDenied: /);
    assert.equal(b?.bucket, 'other-bucket');
    assert.equal(b?.object, 'f/x.txt');
    const c = await stack.store.getRecord(invalid);
    assert.equal(c?.status, 'failed');
    assert.match(c?.error ?? '', /target\.key/);
    assert.equal(c?.deliveries, 1);
  });

  test('a burst of OSS 503s is retried with back-off and the upload succeeds', async () => {
    const jobId = freshJobId('burst');
    stack.oss.faults.inject({ operation: 'PutObject', count: 2, status: 503, code: 'ServiceUnavailable' });
    stack.proxy.reset();
    const summary = await invoke({ jobId, source: { text: 'after two 503s' }, target: { key: `b/${jobId}.txt` } });
    assert.equal(summary.jobs[0]!.outcome, 'uploaded');
    assert.equal(stack.proxy.count('PutObject'), 3);
    assert.equal((await stack.store.getRecord(jobId))?.status, 'uploaded');
  });

  test('a job failing with 503 every time fails the invocation after the others finish; redelivery skips the done ones', async () => {
    const big = freshJobId('persist-big');
    const small = [freshJobId('persist-a'), freshJobId('persist-b')];
    const event = [
      { jobId: big, source: { url: `${stack.sources.url}/bytes/${700 * KiB}` }, target: { key: `p/${big}.bin` } },
      ...small.map((id) => ({ jobId: id, source: { text: `small ${id}` }, target: { key: `p/${id}.txt` } })),
    ];
    // Only the multipart job sends UploadPart: it alone meets the persistent 503.
    stack.oss.faults.inject({ operation: 'UploadPart', count: 1000, status: 503, code: 'ServiceUnavailable' });
    stack.proxy.reset();
    const error = await invokeFailing(event);
    assert.deepEqual(error.summary.jobs.map((j) => j.outcome), ['retry_later', 'uploaded', 'uploaded']);
    assert.equal(error.summary.jobs[0]!.reason, 'transient_failure');
    assert.match(error.message, new RegExp(big));
    assert.equal(await stack.store.getRecord(big), undefined, 'a transient failure writes no record');
    assert.equal(stack.proxy.count('AbortMultipartUpload'), 3, 'each attempt aborts its upload');

    // The queue delivers the batch again; OSS has recovered.
    stack.oss.faults.clear();
    stack.proxy.reset();
    const summary = await invoke(event);
    assert.deepEqual(summary.jobs.map((j) => j.outcome), ['uploaded', 'skipped_already_uploaded', 'skipped_already_uploaded']);
    assert.equal(stack.proxy.count('PutObject'), 0, 'the jobs already uploaded are not uploaded again');
    assert.equal(stack.proxy.count('CompleteMultipartUpload'), 1);
    for (const id of small) assert.equal((await stack.store.getRecord(id))?.deliveries, 2);
    const bigRecord = await stack.store.getRecord(big);
    assert.equal(bigRecord?.status, 'uploaded');
    assert.equal(bigRecord?.deliveries, 1);
  });

  test('a source above the threshold goes by multipart, with the callback on CompleteMultipartUpload', async () => {
    const known = freshJobId('mp-known');
    const chunked = freshJobId('mp-chunked');
    const smallChunked = freshJobId('put-chunked');
    const size = 3 * 1024 * KiB + 123;
    stack.proxy.reset();
    const summary = await invoke([
      { jobId: known, source: { url: `${stack.sources.url}/bytes/${size}` }, target: { key: `m/${known}.bin` } },
      { jobId: chunked, source: { url: `${stack.sources.url}/chunked/${size}` }, target: { key: `m/${chunked}.bin` } },
      { jobId: smallChunked, source: { url: `${stack.sources.url}/chunked/${100 * KiB}` }, target: { key: `m/${smallChunked}.bin` } },
    ]);
    assert.deepEqual(summary.jobs.map((j) => j.outcome), ['uploaded', 'uploaded', 'uploaded']);
    const partsPerJob = Math.ceil(size / (256 * KiB));
    assert.equal(stack.proxy.count('InitiateMultipartUpload'), 2);
    assert.equal(stack.proxy.count('UploadPart'), 2 * partsPerJob);
    assert.equal(stack.proxy.count('CompleteMultipartUpload'), 2);
    assert.equal(stack.proxy.count('PutObject'), 1, 'an unknown-length source within the threshold is one PutObject');
    assert.deepEqual(stack.callback.received.filter((id) => id === known || id === chunked).sort(), [chunked, known].sort());

    for (const id of [known, chunked]) {
      const record = await stack.store.getRecord(id);
      assert.equal(record?.status, 'uploaded');
      assert.equal(record?.size, size);
      assert.equal(record?.operation, 'CompleteMultipartUpload');
      assert.match(record?.etag ?? '', new RegExp(`-${partsPerJob}"?$`));
      const got = await stack.client(TARGET_BUCKET).get(`m/${id}.bin`);
      assert.equal(md5(got.content), patternMd5(size));
    }
    assert.equal((await stack.store.getRecord(smallChunked))?.operation, 'PutObject');
  });

  test('a 203 on CompleteMultipartUpload records stored_unconfirmed with the multipart ETag', async () => {
    const jobId = freshJobId('mp-203');
    stack.callback.mode = 'fail';
    const summary = await invoke({ jobId, source: { url: `${stack.sources.url}/bytes/${600 * KiB}` }, target: { key: `m/${jobId}.bin` } });
    assert.equal(summary.jobs[0]!.outcome, 'stored_unconfirmed', JSON.stringify(summary.jobs[0]));
    const record = await stack.store.getRecord(jobId);
    assert.equal(record?.status, 'stored_unconfirmed');
    assert.equal(record?.size, 600 * KiB);
    assert.equal(record?.operation, 'CompleteMultipartUpload');
    assert.match(record?.etag ?? '', /^[0-9A-F]{32}-3$/);
  });
});
