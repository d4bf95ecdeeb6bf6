/**
 * The emulator's buckets, objects and in-progress multipart uploads. With a data
 * directory, object metadata is saved next to the blobs (one JSON file per object) and
 * read back at start, so objects survive a restart; multipart uploads in progress do not.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Blob, BlobStore, Segment } from './blobs';

/** A stored object and what OSS reports about it. */
export interface StoredObject {
  key: string;
  size: number;
  /** Without quotes: uppercase hex MD5, or `<hex>-<parts>` for multipart objects. */
  etag: string;
  /** Base64 MD5 of the content; only for objects uploaded in one request. */
  contentMd5?: string;
  /** Decimal CRC-64 (x-oss-hash-crc64ecma). */
  crc64: string;
  contentType: string;
  lastModified: number;
  /** x-oss-meta-* values by lowercase name (without the prefix). */
  meta: Record<string, string>;
  type: 'Normal' | 'Multipart';
  blob: Blob;
}

/** One uploaded part of a multipart upload. */
export interface StoredPart {
  partNumber: number;
  size: number;
  /** Uppercase hex MD5, no quotes. */
  etag: string;
  md5: Buffer;
  crc64: bigint;
  lastModified: number;
  blob: Blob;
}

/** A multipart upload between Initiate and Complete/Abort. */
export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  contentType: string;
  meta: Record<string, string>;
  parts: Map<number, StoredPart>;
}

interface Bucket {
  name: string;
  created: number;
  objects: Map<string, StoredObject>;
}

/** Buckets, objects and uploads, in memory, optionally mirrored to `metaDir`. */
export class OssState {
  private readonly buckets = new Map<string, Bucket>();
  readonly uploads = new Map<string, MultipartUpload>();

  constructor(
    readonly blobs: BlobStore,
    private readonly metaDir?: string,
  ) {}

  /** Loads buckets and objects saved by an earlier run (data directory only). */
  async load(): Promise<void> {
    if (!this.metaDir) return;
    await mkdir(this.metaDir, { recursive: true });
    for (const name of await readdir(this.metaDir)) {
      const dir = join(this.metaDir, name);
      const bucket: Bucket = { name, created: Date.now(), objects: new Map() };
      for (const file of await readdir(dir)) {
        const text = await readFile(join(dir, file), 'utf8');
        if (file === '.bucket.json') {
          bucket.created = (JSON.parse(text) as { created: number }).created;
          continue;
        }
        const saved = JSON.parse(text) as Omit<StoredObject, 'blob'> & { segments: { path: string; size: number }[] };
        const segments: Segment[] = saved.segments.map((s) => ({ kind: 'file', path: s.path, size: s.size }));
        const { segments: _segments, ...rest } = saved;
        bucket.objects.set(saved.key, { ...rest, blob: { segments, size: saved.size } });
      }
      this.buckets.set(name, bucket);
    }
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  bucketCreated(name: string): number | undefined {
    return this.buckets.get(name)?.created;
  }

  /** Creates a bucket unless it exists (OSS answers 200 either way for its owner). */
  async createBucket(name: string): Promise<void> {
    if (this.buckets.has(name)) return;
    const bucket: Bucket = { name, created: Date.now(), objects: new Map() };
    this.buckets.set(name, bucket);
    if (this.metaDir) {
      await mkdir(join(this.metaDir, name), { recursive: true });
      await writeFile(join(this.metaDir, name, '.bucket.json'), JSON.stringify({ created: bucket.created }));
    }
  }

  /** Deletes an empty bucket; false when it still holds objects. */
  async deleteBucket(name: string): Promise<boolean> {
    const bucket = this.buckets.get(name);
    if (!bucket) return true;
    if (bucket.objects.size > 0) return false;
    this.buckets.delete(name);
    if (this.metaDir) await rm(join(this.metaDir, name), { recursive: true, force: true });
    return true;
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** Objects of a bucket sorted by key (UTF-8 byte order, as OSS lists them). */
  listObjects(bucket: string): StoredObject[] {
    const objects = [...(this.buckets.get(bucket)?.objects.values() ?? [])];
    return objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /** Stores an object, replacing (and freeing) any previous one under the key. */
  async putObject(bucket: string, object: StoredObject): Promise<void> {
    const target = this.buckets.get(bucket);
    if (!target) throw new Error(`bucket ${bucket} does not exist`);
    const previous = target.objects.get(object.key);
    target.objects.set(object.key, object);
    if (this.metaDir) {
      const { blob, ...rest } = object;
      const segments = blob.segments.map((s) => {
        if (s.kind !== 'file') throw new Error('a data directory stores file blobs only');
        return { path: s.path, size: s.size };
      });
      await writeFile(this.metaPath(bucket, object.key), JSON.stringify({ ...rest, segments }));
    }
    if (previous) await this.blobs.discard(previous.blob);
  }

  /** Deletes an object if it exists. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    const target = this.buckets.get(bucket);
    const previous = target?.objects.get(key);
    if (!target || !previous) return;
    target.objects.delete(key);
    if (this.metaDir) await unlink(this.metaPath(bucket, key)).catch(() => undefined);
    await this.blobs.discard(previous.blob);
  }

  private metaPath(bucket: string, key: string): string {
    return join(this.metaDir!, bucket, `${createHash('sha256').update(key).digest('hex')}.json`);
  }
}
