/**
 * Where object and part bytes live: in memory (the default, for small test runs) or in
 * files under a data directory, so that a 1 GiB upload never sits in memory. Bytes are
 * hashed (MD5 and CRC-64) while they stream in, never by buffering a whole body.
 *
 * A blob is a list of segments, so completing a multipart upload just strings the part
 * blobs together instead of copying them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Crc64 } from './crc64';

export type Segment = { kind: 'memory'; chunks: Buffer[]; size: number } | { kind: 'file'; path: string; size: number };

/** Stored bytes. */
export interface Blob {
  segments: Segment[];
  size: number;
}

/** A blob just written, with the digests computed on the way in. */
export interface WrittenBlob extends Blob {
  md5: Buffer;
  crc64: bigint;
}

/** Writes, reads and frees blobs. */
export interface BlobStore {
  /** Streams `source` into a new blob. */
  write(source: AsyncIterable<Buffer>): Promise<WrittenBlob>;
  /** Reads bytes [start, end) of a blob. */
  read(blob: Blob, start?: number, end?: number): Readable;
  /** Frees a blob's storage (a no-op for memory). */
  discard(blob: Blob): Promise<void>;
}

async function* readSegments(segments: Segment[], start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const segment of segments) {
    const segStart = offset;
    offset += segment.size;
    if (offset <= start || segStart >= end) continue;
    const from = Math.max(start, segStart) - segStart;
    const to = Math.min(end, offset) - segStart;
    if (from >= to) continue;
    if (segment.kind === 'file') {
      yield* createReadStream(segment.path, { start: from, end: to - 1, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
      continue;
    }
    let chunkStart = 0;
    for (const chunk of segment.chunks) {
      const chunkEnd = chunkStart + chunk.length;
      if (chunkEnd > from && chunkStart < to) yield chunk.subarray(Math.max(from, chunkStart) - chunkStart, Math.min(to, chunkEnd) - chunkStart);
      chunkStart = chunkEnd;
    }
  }
}

function readBlob(blob: Blob, start = 0, end = blob.size): Readable {
  return Readable.from(readSegments(blob.segments, start, end), { objectMode: false });
}

/** Keeps blobs in memory. */
export function memoryBlobStore(): BlobStore {
  return {
    async write(source) {
      const md5 = createHash('md5');
      const crc = new Crc64();
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of source) {
        md5.update(chunk);
        crc.update(chunk);
        chunks.push(chunk);
        size += chunk.length;
      }
      return { segments: [{ kind: 'memory', chunks, size }], size, md5: md5.digest(), crc64: crc.value() };
    },
    read: readBlob,
    async discard() {},
  };
}

/** Keeps blobs as files in `dir` (created if missing). */
export async function fileBlobStore(dir: string): Promise<BlobStore> {
  await mkdir(dir, { recursive: true });
  return {
    async write(source) {
      const path = join(dir, `${randomUUID()}.blob`);
      const md5 = createHash('md5');
      const crc = new Crc64();
      let size = 0;
      try {
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              md5.update(chunk);
              crc.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          },
          createWriteStream(path),
        );
      } catch (error) {
        await unlink(path).catch(() => undefined);
        throw error;
      }
      return { segments: [{ kind: 'file', path, size }], size, md5: md5.digest(), crc64: crc.value() };
    },
    read: readBlob,
    async discard(blob) {
      for (const segment of blob.segments) {
        if (segment.kind === 'file') await unlink(segment.path).catch(() => undefined);
      }
    },
  };
}
