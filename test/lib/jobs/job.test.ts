import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { parseJob, headerUnsafeCharacter, InvalidJobError } from '../../../lib/jobs/job';
import { deliveriesFromEvent } from '../../../lib/jobs/delivery';
import { escapeGivenJobId, invalidIdForEvent, invalidIdForMessage } from '../../../lib/jobs/invalid-id';

const good = { jobId: 'inv-2026-0001', source: { text: 'hello' }, target: { key: 'demo/hello.txt' } };

function invalid(input: unknown, mentions: RegExp, jobId?: string) {
  assert.throws(
    () => parseJob(input),
    (e: unknown) => e instanceof InvalidJobError && e.reason === (jobId === undefined ? 'invalid_job_id' : 'invalid_job') && mentions.test(e.message) && e.jobId === jobId,
  );
}

describe('parseJob', () => {
  test('accepts every source kind and the optional fields', () => {
    assert.deepEqual(parseJob(good), good);
    for (const source of [{ url: 'https://example.com/a.jpg' }, { base64: 'aGk=' }, { oss: { bucket: 'src-bucket', key: 'a/b.bin' } }]) {
      assert.deepEqual(parseJob({ ...good, source }).source, source);
    }
    const full = { ...good, target: { bucket: 'my-bucket', key: '照片/a b+c.jpg' }, contentType: 'image/jpeg', metadata: { owner: 'ops' }, vars: { invoice: '42' } };
    assert.deepEqual(parseJob(full), full);
  });

  test('names what is wrong, with the job id once it is known', () => {
    invalid(null, /JSON object/);
    invalid([good], /JSON object/);
    invalid({ ...good, jobId: '' }, /jobId/);
    invalid({ ...good, jobId: 'a/b' }, /jobId/);
    invalid({ ...good, jobId: 'x'.repeat(129) }, /jobId/);
    invalid({ ...good, extra: 1 }, /unknown field "extra"/, good.jobId);
    invalid({ ...good, source: {} }, /exactly one of/, good.jobId);
    invalid({ ...good, source: { text: 'a', base64: 'YQ==' } }, /exactly one of .*text, base64/, good.jobId);
    invalid({ ...good, source: { url: 'ftp://x/y' } }, /http or https/, good.jobId);
    invalid({ ...good, source: { url: 'nope' } }, /source.url/, good.jobId);
    invalid({ ...good, source: { base64: 'a*b=' } }, /source.base64/, good.jobId);
    invalid({ ...good, source: { oss: { bucket: 'B', key: 'k' } } }, /source.oss.bucket/, good.jobId);
    invalid({ ...good, target: {} }, /target.key/, good.jobId);
    invalid({ ...good, target: { key: '/abs' } }, /target.key/, good.jobId);
    invalid({ ...good, target: { key: 'a\u0000b' } }, /control/, good.jobId);
    invalid({ ...good, target: { key: 'é'.repeat(600) } }, /1023 bytes/, good.jobId);
    invalid({ ...good, contentType: 'jpeg' }, /contentType/, good.jobId);
    invalid({ ...good, metadata: { 'bad name': 'x' } }, /metadata.bad name/, good.jobId);
    invalid({ ...good, vars: { Upper: 'x' } }, /vars.Upper/, good.jobId);
    invalid({ ...good, vars: { a: 1 } }, /vars.a must be a string/, good.jobId);
    invalid({ ...good, vars: { a: 'x'.repeat(4000) } }, /bytes/, good.jobId);
  });

  test('an unusable job id is named as given, escaped and cut to 128 characters', () => {
    invalid({ ...good, jobId: 'space id' }, /^jobId "space id" is not 1–128 characters/);
    invalid({ ...good, jobId: '发票' }, /^jobId "\\u53d1\\u7968" is not/);
    invalid({ ...good, jobId: 42 }, /^jobId 42 is not/);
    invalid({ ...good, jobId: undefined }, /^jobId is missing$/);
    invalid('a string', /^jobId is missing: a job must be a JSON object$/);
    const long = 'y'.repeat(500);
    assert.throws(() => parseJob({ ...good, jobId: long }), (e: InvalidJobError) => e.message === `jobId "${'y'.repeat(127)} (cut to 128 characters) is not 1–128 characters of A-Z a-z 0-9 . _ : -`);
    // Escapes are never split by the cut; the result is printable ASCII only.
    const escaped = escapeGivenJobId(`${'a'.repeat(120)}\u0000\u0001\u0002`)!;
    assert.ok(escaped.length <= 128);
    assert.match(escaped, /^"a{120}\\u0000$/);
    assert.equal(escapeGivenJobId('😀'), '"\\ud83d\\ude00"');
    assert.equal(escapeGivenJobId(undefined), undefined);
  });

  test('metadata and contentType that cannot go into an HTTP header as written are refused', () => {
    for (const value of ['发票', 'a\u0000b', 'a\u0001b', 'a\u001fb', 'a\u007fb', 'café', '\ud800']) {
      invalid({ ...good, metadata: { note: value } }, /metadata\.note cannot be sent in an HTTP header: U\+[0-9A-F]{4}/, good.jobId);
      invalid({ ...good, contentType: `text/plain; charset=${value}` }, /contentType cannot be sent in an HTTP header/, good.jobId);
    }
    // What is refused is a superset of what Node refuses: every value Node accepts and we refuse is 0x80–0xFF.
    for (let code = 0; code < 0x200; code += 1) {
      const value = `a${String.fromCharCode(code)}b`;
      let nodeRefuses = false;
      try {
        http.validateHeaderValue('x-oss-meta-a', value);
      } catch (e) {
        nodeRefuses = (e as NodeJS.ErrnoException).code === 'ERR_INVALID_CHAR';
      }
      const weRefuse = headerUnsafeCharacter(value) !== undefined;
      if (nodeRefuses) assert.ok(weRefuse, `U+${code.toString(16)}: Node refuses it, so must we`);
      if (weRefuse && !nodeRefuses) assert.ok(code >= 0x80 && code <= 0xff, `U+${code.toString(16)}`);
    }
    // Tab and printable ASCII go through.
    assert.deepEqual(parseJob({ ...good, metadata: { note: 'tab\there ~!@#$%^&*()' }, contentType: 'text/plain; charset="utf-8"' }).metadata, { note: 'tab\there ~!@#$%^&*()' });
  });

  test('OSS user metadata names are letters, digits and hyphens only; object names must be UTF-8', () => {
    invalid({ ...good, metadata: { under_score: 'x' } }, /metadata\.under_score: name must match/, good.jobId);
    assert.deepEqual(parseJob({ ...good, metadata: { 'Upper-Case-9': 'x' } }).metadata, { 'Upper-Case-9': 'x' });
    invalid({ ...good, target: { key: 'a\ud800b' } }, /target\.key holds a lone UTF-16 surrogate/, good.jobId);
    invalid({ ...good, source: { oss: { bucket: 'src-bucket', key: '\udc00' } } }, /source\.oss\.key holds a lone/, good.jobId);
    invalid({ ...good, vars: { v: '\udfff' } }, /vars\.v holds a lone UTF-16 surrogate/, good.jobId);
    assert.equal(parseJob({ ...good, target: { key: '😀.txt' } }).target.key, '😀.txt');
  });

  test('refuses unknown fields at every level, naming the field path and what the level takes', () => {
    invalid({ ...good, extra: 1 }, /^unknown field "extra" \(a job takes jobId, source, target, contentType, metadata, vars\)$/, good.jobId);
    invalid({ ...good, target: { key: 'a.txt', acl: 'public-read' } }, /^unknown field "target.acl" \(target takes bucket, key\)$/, good.jobId);
    invalid({ ...good, source: { text: 'hi', encoding: 'utf8' } }, /^unknown field "source.encoding" \(source takes url, text, base64, oss\)$/, good.jobId);
    // A misspelled kind is named as such, not as "none of url, text, base64, oss".
    invalid({ ...good, source: { txt: 'hi' } }, /^unknown field "source.txt"/, good.jobId);
    invalid({ ...good, source: { oss: { bucket: 'src-bucket', key: 'k', versionId: 'v1' } } }, /^unknown field "source.oss.versionId" \(source.oss takes bucket, key\)$/, good.jobId);
    // metadata and vars are maps: any valid name is a value, not a field.
    assert.deepEqual(parseJob({ ...good, metadata: { acl: 'x' }, vars: { extra: 'y' } }).metadata, { acl: 'x' });
  });
});

describe('deliveriesFromEvent', () => {
  // FC's own sample event (test/conformance/fc-events/), carrying a real job.
  const sample = JSON.parse(readFileSync(new URL('../../conformance/fc-events/mns-queue-trigger-event.json', import.meta.url), 'utf8')) as { data: { messageBody: string; messageId: string } };
  const demo = { jobId: 'demo-1', source: { text: 'hello' }, target: { key: 'demo/hello.txt' } };
  const cloudEvent = { ...sample, data: { ...sample.data, messageBody: JSON.stringify(demo) } };

  test('one job, as a Buffer', () => {
    const [d] = deliveriesFromEvent(Buffer.from(JSON.stringify(good)));
    assert.deepEqual(d, { index: 0, recordId: good.jobId, job: good });
  });

  test('an array of jobs', () => {
    const ds = deliveriesFromEvent(Buffer.from(JSON.stringify([good, { ...good, jobId: 'b' }])));
    assert.deepEqual(ds.map((d) => d.job?.jobId), ['inv-2026-0001', 'b']);
  });

  test('one CloudEvent and a batch of them, bodies as JSON text or Base64', () => {
    const [one] = deliveriesFromEvent(Buffer.from(JSON.stringify(cloudEvent)));
    assert.equal(one!.job!.jobId, 'demo-1');
    assert.equal(one!.messageId, cloudEvent.data.messageId);
    const b64 = { ...cloudEvent, data: { ...cloudEvent.data, messageBody: Buffer.from(JSON.stringify(good)).toString('base64') } };
    const batch = deliveriesFromEvent(Buffer.from(JSON.stringify([cloudEvent, b64])));
    assert.deepEqual(batch.map((d) => d.job?.jobId), ['demo-1', 'inv-2026-0001']);
  });

  test('a poison entry is its own failed delivery and does not stop the others', () => {
    const poison = { ...cloudEvent, data: { ...cloudEvent.data, messageBody: 'not json at all' } };
    const invalidJob = { ...cloudEvent, data: { ...cloudEvent.data, messageBody: JSON.stringify({ jobId: 'bad-1', source: {} }) } };
    const ds = deliveriesFromEvent(Buffer.from(JSON.stringify([poison, cloudEvent, invalidJob])));
    assert.equal(ds.length, 3);
    assert.match(ds[0]!.error!.message, /neither a JSON object nor canonical Base64/);
    assert.equal(ds[0]!.messageId, cloudEvent.data.messageId, 'the message stays identifiable in the summary and log');
    assert.equal(ds[0]!.error!.reason, 'invalid_job_id');
    assert.equal(ds[0]!.recordId, invalidIdForMessage(cloudEvent.data.messageId));
    assert.equal(ds[1]!.job!.jobId, 'demo-1');
    assert.equal(ds[2]!.error!.jobId, 'bad-1');
    assert.equal(ds[2]!.recordId, 'bad-1');
    assert.deepEqual(deliveriesFromEvent(Buffer.from('{{{'))[0]!.error!.reason, 'invalid_job_id');
    assert.deepEqual(deliveriesFromEvent(Buffer.from('[]')), []);
  });

  test('a delivery without a usable job id is recorded under invalid-<messageId>, or invalid-<SHA-256 of the event>', () => {
    const raw = Buffer.from(JSON.stringify({ jobId: 'space id', source: { text: 'x' }, target: { key: 'k' } }));
    const sha = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    assert.equal(deliveriesFromEvent(raw)[0]!.recordId, `invalid-${sha}`);
    assert.equal(invalidIdForEvent(raw), `invalid-${sha}`);
    const notJson = Buffer.from('not json');
    assert.equal(deliveriesFromEvent(notJson)[0]!.recordId, `invalid-${createHash('sha256').update(notJson).digest('hex').slice(0, 16)}`);
    // Several jobs in one direct invocation: each its own record.
    const two = Buffer.from(JSON.stringify([{ jobId: '' }, { noId: true }]));
    const twoSha = createHash('sha256').update(two).digest('hex').slice(0, 16);
    assert.deepEqual(deliveriesFromEvent(two).map((d) => d.recordId), [`invalid-${twoSha}.0`, `invalid-${twoSha}.1`]);
    // A queue message: its message id, however the body is broken.
    const body = { ...cloudEvent, data: { ...cloudEvent.data, messageBody: JSON.stringify({ jobId: 'a b' }) } };
    const mnsId = 'C6DB60D1574661357FA2272774451F2A-1-18C2F3E4D5A-200000001';
    const queued = { ...body, data: { ...body.data, messageId: mnsId } };
    assert.equal(deliveriesFromEvent(Buffer.from(JSON.stringify([queued])))[0]!.recordId, `invalid-${mnsId}`);
    // EventBridge's published sample masks its id ("…7445****"): not usable as is, so hashed.
    assert.equal(deliveriesFromEvent(Buffer.from(JSON.stringify([body])))[0]!.recordId, invalidIdForMessage(cloudEvent.data.messageId));
    assert.match(invalidIdForMessage(cloudEvent.data.messageId), /^invalid-[0-9a-f]{16}$/);
    // A message id that would not be a usable job id is hashed instead.
    assert.match(invalidIdForMessage('has space'), /^invalid-[0-9a-f]{16}$/);
    assert.match(invalidIdForMessage('x'.repeat(200)), /^invalid-[0-9a-f]{16}$/);
  });
});
