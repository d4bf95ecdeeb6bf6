// Memory stays bounded by the part size, not the source size: 64 MiB url sources (with
// and without a Content-Length) go through multipart while the live heap and Buffer
// memory are sampled (after a forced GC, so only what is really held counts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deliveriesFromEvent } from '../../../lib/jobs/delivery';
import { setLogSink, type LogSink } from '../../../lib/log';
import { forgetUploaderInstance, processDepsFor, uploaderInstance } from '../../../lib/uploader/instance';
import { processDeliveries } from '../../../lib/uploader/process';
import { freshJobId, patternMd5, startStack, TARGET_BUCKET, type Stack } from '../../support/uploader-stack';

const MiB = 1024 * 1024;
const SOURCE_SIZE = 64 * MiB;
/** Parts of 1 MiB, two in flight: about 12–17 MiB measured. Buffering the source holds over 120. */
const GROWTH_LIMIT = 32 * MiB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveBytes(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('uploader memory', () => {
  let stack: Stack;
  let dataDir: string;
  let previousSink: LogSink;

  before(async () => {
    // Objects on disk, so the emulator in this process does not hold the 64 MiB itself.
    dataDir = await mkdtemp(join(tmpdir(), 'uploader-memory-'));
    stack = await startStack({ ossDataDir: dataDir });
    previousSink = setLogSink(() => undefined);
  });
  after(async () => {
    setLogSink(previousSink);
    forgetUploaderInstance();
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const route of ['bytes', 'chunked'] as const) {
    test(`a 64 MiB url source (${route === 'bytes' ? 'with' : 'without'} Content-Length) uploads with bounded memory`, async () => {
      const env = stack.env({
        OSS_ENDPOINT: stack.oss.url,
        UPLOAD_MULTIPART_THRESHOLD_BYTES: String(4 * MiB),
        UPLOAD_PART_SIZE_BYTES: String(MiB),
        UPLOAD_PART_CONCURRENCY: '2',
        SOURCE_TIMEOUT_MS: '10000',
      });
      const deps = processDepsFor(uploaderInstance(env), 'req-memory');
      const jobId = freshJobId(`memory-${route}`);
      const event = { jobId, source: { url: `${stack.sources.url}/${route}/${SOURCE_SIZE}` }, target: { key: `mem/${jobId}.bin` } };

      const baseline = liveBytes();
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, liveBytes());
      }, 40);
      let summary;
      try {
        summary = await processDeliveries(deliveriesFromEvent(Buffer.from(JSON.stringify(event))), deps);
      } finally {
        clearInterval(sampler);
      }
      assert.equal(summary.jobs[0]!.outcome, 'uploaded');
      assert.equal(summary.jobs[0]!.bytes, SOURCE_SIZE);
      const growth = peak - baseline;
      assert.ok(growth < GROWTH_LIMIT, `live memory grew by ${(growth / MiB).toFixed(1)} MiB (limit ${GROWTH_LIMIT / MiB} MiB)`);

      const record = await stack.store.getRecord(jobId);
      assert.equal(record?.status, 'uploaded');
      assert.equal(record?.size, SOURCE_SIZE);
      const { stream } = await stack.client(TARGET_BUCKET).getStream(`mem/${jobId}.bin`);
      const hash = createHash('md5');
      for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
      assert.equal(hash.digest('hex'), patternMd5(SOURCE_SIZE));
    });
  }
});
