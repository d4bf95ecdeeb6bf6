/**
 * Large object: one 1 GiB url job through the uploader (FC host, multipart, callback on
 * CompleteMultipartUpload, record), against a bare ali-oss multipart upload of the same
 * content to the same OSS emulator: streamed from the same source URL, in parts of the
 * same size with the same number in flight, no callback. Also the uploader's peak RSS
 * while it moves the gigabyte.
 */
import http from 'node:http';
import OSS from 'ali-oss';
import { startLocalStack, type LocalStack } from '../local/stack';
import { buildBenchBundles } from './bundles';
import { goal, type BenchRow } from './measure';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** The uploader's defaults, made explicit so that the bare upload uses the very same. */
const PART_SIZE = 8 * MiB;
const PART_CONCURRENCY = 2;
const SPEED_TARGET = 0.8;
const RSS_LIMIT_MIB = 256;

/** Splits a byte stream into Buffers of exactly `size` bytes (the last one shorter), one copy per byte. */
async function* parts(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(size - filled, chunk.length - offset);
      chunk.copy(part, filled, offset, offset + take);
      filled += take;
      offset += take;
      if (filled === size) {
        yield part;
        part = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
}

function openSource(url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode === 200) resolve(res);
        else {
          res.resume();
          reject(new Error(`source ${url} answered ${res.statusCode}`));
        }
      })
      .on('error', reject);
  });
}

/** The reference: a plain multipart upload with ali-oss, PART_CONCURRENCY parts in flight. */
async function bareMultipart(client: OSS, key: string, url: string): Promise<number> {
  const { uploadId } = await client.initMultipartUpload(key);
  const done: { number: number; etag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let number = 0;
  let bytes = 0;
  try {
    for await (const part of parts(await openSource(url), PART_SIZE)) {
      const n = ++number;
      bytes += part.length;
      const task: Promise<void> = client.uploadPart(key, uploadId, n, part, 0, part.length).then((r) => {
        done.push({ number: n, etag: r.etag });
      });
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= PART_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await client.completeMultipartUpload(key, uploadId, done.sort((a, b) => a.number - b.number));
  } catch (error) {
    await Promise.allSettled(inFlight);
    await client.abortMultipartUpload(key, uploadId).catch(() => undefined);
    throw error;
  }
  return bytes;
}

/** Runs the benchmark and returns its rows. */
export async function benchLargeObject(): Promise<BenchRow[]> {
  const bundles = await buildBenchBundles();
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      bundlesDir: bundles.dir,
      build: false,
      trigger: false,
      uploaderEnv: { UPLOAD_PART_SIZE_BYTES: String(PART_SIZE), UPLOAD_PART_CONCURRENCY: String(PART_CONCURRENCY) },
    });
    const s = stack;
    const url = s.sources.generatedUrl(GiB);
    const bare = new OSS({ endpoint: s.oss.url, region: s.oss.region, authorizationV4: true, bucket: s.bucket, accessKeyId: s.oss.accessKeyId, accessKeySecret: s.oss.accessKeySecret, timeout: 600_000 });

    // Warm-up: a small multipart job starts the uploader and callback instances, so the
    // timed run is the transfer, not a cold start.
    const warm = await s.fc.invoke('uploader', Buffer.from(JSON.stringify({ jobId: 'bench-large-warm', source: { url: s.sources.generatedUrl(24 * MiB) }, target: { key: 'bench/large/warm.bin' } })));
    if (!warm.ok) throw new Error(`large-object warm-up failed: ${warm.error?.errorMessage ?? warm.failure}`);
    // The instance's peak after a small multipart job: the reference the 1 GiB peak is held against.
    const warmRss = s.fc.stats().functions.uploader!.peakRssBytes;

    // Sent straight to the function, as an FC invocation: through the queue, a 1 GiB job
    // would outlive its message's visibility timeout and be delivered a second time.
    const job = { jobId: 'bench-large-1gib', source: { url }, target: { key: 'bench/large/ours.bin' } };
    let started = process.hrtime.bigint();
    const result = await s.fc.invoke('uploader', Buffer.from(JSON.stringify(job)));
    const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!result.ok) throw new Error(`large-object job failed: ${result.error?.errorMessage ?? result.failure}`);
    const record = await s.store.getRecord(job.jobId);
    if (record?.status !== 'uploaded' || record.size !== GiB) throw new Error(`large-object job ended as ${record ? `${record.status}, ${record.size} bytes` : 'no record'}, expected uploaded, ${GiB} bytes`);
    const peakRss = s.fc.stats().functions.uploader!.peakRssBytes;
    // Free the gigabyte on disk before the reference writes its own.
    await s.ossClient.delete(job.target.key);

    started = process.hrtime.bigint();
    const bareBytes = await bareMultipart(bare, 'bench/large/bare.bin', url);
    const bareSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (bareBytes !== GiB) throw new Error(`bare multipart read ${bareBytes} bytes, expected ${GiB}`);
    await s.ossClient.delete('bench/large/bare.bin');

    const value = GiB / MiB / oursSeconds;
    const reference = GiB / MiB / bareSeconds;
    const ratio = value / reference;
    const rssMiB = peakRss / MiB;
    return [
      {
        name: `large object 1 GiB url job: MiB/s vs bare ali-oss multipart (${PART_SIZE / MiB} MiB parts, ${PART_CONCURRENCY} in flight)`,
        value,
        unit: 'MiB/s',
        reference,
        ratio,
        rounds: 1,
        ...goal('target', ratio, SPEED_TARGET),
      },
      {
        name: 'large object 1 GiB url job: uploader peak RSS vs after a 24 MiB job',
        value: rssMiB,
        unit: 'MiB',
        reference: warmRss / MiB,
        ratio: peakRss / warmRss,
        ...goal('target', rssMiB, RSS_LIMIT_MIB, { atMost: true, unit: 'MiB' }),
      },
    ];
  } finally {
    await stack?.close();
    await bundles.remove();
  }
}
