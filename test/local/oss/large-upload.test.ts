// A 256 MiB multipart upload to an emulator running in its own process with a data
// directory: its resident memory, sampled over the control API while the upload and a
// full download run, must stay far below the object's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { Crc64 } from '../../../local/oss/crc64';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_REGION } from '../../../local/oss/index';

const MIB = 1024 * 1024;
const SIZE = 256 * MIB;
/** Allowed growth of the emulator's RSS over its idle baseline while it moves 256 MiB. */
const MAX_GROWTH = 96 * MIB;

async function writeTestFile(path: string): Promise<bigint> {
  const block = randomBytes(MIB);
  const crc = new Crc64();
  const out = createWriteStream(path);
  for (let i = 0; i < SIZE / MIB; i++) {
    // Vary each block so that no two parts are alike.
    block.writeUInt32BE(i, 0);
    crc.update(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return crc.value();
}

async function rss(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/__emulator/health`)).json()) as { memory: { rss: number } };
  return health.memory.rss;
}

test('a 256 MiB multipart upload and download keep the emulator memory bounded', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'oss-large-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/oss/cli.ts', '--port', '0', '--data-dir', join(dir, 'data')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /OSS emulator listening on (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    });
    const file = join(dir, 'big.bin');
    const expectedCrc = await writeTestFile(file);
    const client = new OSS({ endpoint: url, region: DEFAULT_REGION, authorizationV4: true, bucket: 'large', accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET });
    await client.put('warm-up', Buffer.from('x'));
    const baseline = await rss(url);
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rss(url));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const uploaded = await client.multipartUpload('big.bin', file, { partSize: 8 * MIB, parallel: 4 });
    assert.equal(uploaded.res.status, 200);
    const head = await client.head('big.bin');
    const headers = head.res.headers as Record<string, string>;
    assert.equal(Number(headers['content-length']), SIZE);
    assert.equal(headers['x-oss-hash-crc64ecma'], expectedCrc.toString());
    assert.match(headers.etag!, /^"[0-9A-F]{32}-32"$/);

    const download = await client.getStream('big.bin');
    const crc = new Crc64();
    let received = 0;
    for await (const chunk of download.stream as AsyncIterable<Buffer>) {
      crc.update(chunk);
      received += chunk.length;
    }
    assert.equal(received, SIZE);
    assert.equal(crc.value(), expectedCrc);

    sampling = false;
    await sampler;
    t.diagnostic(`emulator RSS: baseline ${(baseline / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB`);
    assert.ok(peak - baseline < MAX_GROWTH, `emulator RSS grew by ${((peak - baseline) / MIB).toFixed(1)} MiB (baseline ${(baseline / MIB).toFixed(1)} MiB)`);
    // The file must really be on disk, read back in order: compare one stretch of it.
    const sample = await client.get('big.bin', { headers: { Range: `bytes=${100 * MIB}-${100 * MIB + 15}` } });
    const local = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      createReadStream(file, { start: 100 * MIB, end: 100 * MIB + 15 })
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks)))
        .on('error', reject);
    });
    assert.deepEqual(sample.content, local);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
});
