import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseJob, InvalidJobError } from '../../lib/jobs/job';
import { deliveriesFromEvent } from '../../lib/jobs/delivery';

const good = { jobId: 'inv-2026-0001', source: { text: 'hello' }, target: { key: 'demo/hello.txt' } };

function invalid(input: unknown, mentions: RegExp, jobId?: string) {
  assert.throws(
    () => parseJob(input),
    (e: unknown) => e instanceof InvalidJobError && e.reason === 'invalid_job' && mentions.test(e.message) && e.jobId === jobId,
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
  const cloudEvent = JSON.parse(readFileSync(new URL('../fixtures/fc/mns-queue-cloudevent.json', import.meta.url), 'utf8')) as { data: { messageBody: string; messageId: string } };

  test('one job, as a Buffer', () => {
    const [d] = deliveriesFromEvent(Buffer.from(JSON.stringify(good)));
    assert.deepEqual(d, { index: 0, job: good });
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
    assert.match(ds[0]!.error!.message, /neither JSON nor Base64/);
    assert.equal(ds[1]!.job!.jobId, 'demo-1');
    assert.equal(ds[2]!.error!.jobId, 'bad-1');
    assert.deepEqual(deliveriesFromEvent(Buffer.from('{{{'))[0]!.error!.reason, 'invalid_job');
    assert.deepEqual(deliveriesFromEvent(Buffer.from('[]')), []);
  });
});
