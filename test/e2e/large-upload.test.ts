// End to end through the real bundles: a 300 MiB url source goes to OSS by multipart,
// streamed with bounded memory (the uploader instance's peak RSS stays far below the
// object's size), called back on CompleteMultipartUpload and recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generatedContent } from '../../local/source-server';
import type { BatchSummary } from '../../lib/uploader/process';
import { headObject, startE2eStack, waitForRecord, type E2eStack } from './support';

const MiB = 1024 * 1024;
const SIZE = 300 * MiB;
const PART_SIZE = 8 * MiB;
/** Far below the object: buffering it whole (300 MiB on top of Node's ~45 MB) could not fit. */
const RSS_BOUND = 200 * MiB;

/** The multipart ETag OSS gives these bytes: MD5 of the parts' MD5s, then '-<parts>'. */
async function expectedMultipartEtag(bytes: number, partSize: number): Promise<string> {
  const digests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const chunk of generatedContent(bytes) as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - inPart, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partSize) {
        digests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) digests.push(part.digest());
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex').toUpperCase()}-${digests.length}`;
}

describe('e2e: a 300 MiB source by multipart with bounded memory', () => {
  let e2e: E2eStack;

  before(async () => {
    e2e = await startE2eStack({
      trigger: false,
      instances: 1,
      uploaderEnv: { UPLOAD_PART_SIZE_BYTES: String(PART_SIZE), UPLOAD_PART_CONCURRENCY: '2' },
    });
  });
  after(() => e2e?.close());

  test('uploaded, called back and recorded; the uploader never held the object', async (t) => {
    const { stack } = e2e;
    const job = { jobId: 'large-300mib', source: { url: stack.sources.generatedUrl(SIZE) }, target: { key: 'large/generated 300 MiB.bin' }, vars: { size: 'large' } };
    const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    assert.equal(result.ok, true, result.payload.toString());
    const summary = JSON.parse(result.payload.toString()) as BatchSummary;
    assert.equal(summary.jobs[0]?.outcome, 'uploaded', JSON.stringify(summary.jobs[0]));
    assert.equal(summary.jobs[0]?.bytes, SIZE);

    const peak = stack.fc.stats().functions.uploader!.peakRssBytes;
    assert.ok(peak > 0, 'the host reports the instance RSS');
    t.diagnostic(`uploader peak RSS ${(peak / MiB).toFixed(1)} MiB for a ${SIZE / MiB} MiB object in ${result.durationMs} ms`);
    assert.ok(peak < RSS_BOUND, `uploader peak RSS ${(peak / MiB).toFixed(0)} MiB must stay under ${RSS_BOUND / MiB} MiB for a ${SIZE / MiB} MiB object`);

    const record = await waitForRecord(stack, job.jobId, (r) => r.deliveries >= 1);
    assert.equal(record.status, 'uploaded');
    assert.equal(record.recordedBy, 'callback');
    assert.equal(record.operation, 'CompleteMultipartUpload');
    assert.equal(record.size, 314572800);
    assert.deepEqual(record.vars, job.vars);
    const parts = Math.ceil(SIZE / PART_SIZE);
    assert.match(record.etag ?? '', new RegExp(`^[0-9A-F]{32}-${parts}$`));
    // The ETag is computed from what OSS stored: equal to ours means every byte arrived in order.
    assert.equal(record.etag, await expectedMultipartEtag(SIZE, PART_SIZE));

    const head = await headObject(stack.ossClient, job.target.key);
    assert.equal(head.size, SIZE);
    assert.equal(head.etag, record.etag);
    assert.equal(stack.oss.requestCounts().UploadPart, parts);
  });
});
