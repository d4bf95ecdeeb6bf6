/**
 * ListObjects (GetBucket) and ListObjectsV2: prefix, delimiter, marker / start-after /
 * continuation-token, max-keys, encoding-type=url — as OSS answers them.
 */
import { existingBucket, isoTime, type OssContext, type OssReply, type OssRequest } from './context';
import { invalidArgument } from './errors';
import { formEncode } from './callback-body';
import type { StoredObject } from './state';
import type { XmlNode } from '../xml';
import { xmlDocument } from './xml';

interface Page {
  objects: StoredObject[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, where the next page starts after. */
  last?: string;
}

const keyBytes = (key: string): Buffer => Buffer.from(key, 'utf8');

function listPage(all: StoredObject[], prefix: string, delimiter: string, after: string, maxKeys: number): Page {
  const page: Page = { objects: [], prefixes: [], truncated: false };
  const afterBytes = keyBytes(after);
  for (const object of all) {
    if (after !== '' && Buffer.compare(keyBytes(object.key), afterBytes) <= 0) continue;
    if (!object.key.startsWith(prefix)) continue;
    let commonPrefix: string | undefined;
    if (delimiter !== '') {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = object.key.slice(0, at + delimiter.length);
    }
    // A common prefix already returned swallows the keys under it.
    if (commonPrefix !== undefined && page.prefixes[page.prefixes.length - 1] === commonPrefix) continue;
    if (commonPrefix !== undefined && after !== '' && after.startsWith(commonPrefix)) continue;
    if (page.objects.length + page.prefixes.length >= maxKeys) {
      page.truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      page.prefixes.push(commonPrefix);
      page.last = commonPrefix;
    } else {
      page.objects.push(object);
      page.last = object.key;
    }
  }
  return page;
}

function maxKeysOf(r: OssRequest): number {
  const raw = r.query.get('max-keys');
  if (raw === null || raw === '') return 100;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
    throw invalidArgument('Argument max-keys must be an integer between 1 and 1000.', 'max-keys', raw);
  }
  return Number(raw);
}

function encoderOf(r: OssRequest): (text: string) => string {
  const type = r.query.get('encoding-type');
  if (type !== null && type !== '' && type !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  return type === 'url' ? formEncode : (text) => text;
}

function contents(objects: StoredObject[], encode: (text: string) => string, owner: XmlNode | undefined): XmlNode[] {
  return objects.map((o) => ({
    Key: encode(o.key),
    LastModified: isoTime(o.lastModified),
    ETag: `"${o.etag}"`,
    Type: o.type,
    Size: o.size,
    StorageClass: 'Standard',
    Owner: owner,
  }));
}

/** What both listings read first: the bucket (which must exist), the key encoding, prefix and delimiter. */
function listingQuery(ctx: OssContext, r: OssRequest): { bucket: string; encode: (text: string) => string; prefix: string; delimiter: string } {
  return { bucket: existingBucket(ctx, r), encode: encoderOf(r), prefix: r.query.get('prefix') ?? '', delimiter: r.query.get('delimiter') ?? '' };
}

/** ListObjects (V1). */
export async function listObjects(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const { bucket, encode, prefix, delimiter } = listingQuery(ctx, r);
  const marker = r.query.get('marker') ?? '';
  const maxKeys = maxKeysOf(r);
  const page = listPage(ctx.state.listObjects(bucket), prefix, delimiter, marker, maxKeys);
  const owner = { ID: ctx.ownerId, DisplayName: ctx.ownerId };
  const body = xmlDocument('ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: r.query.get('encoding-type') === 'url' ? 'url' : undefined,
    IsTruncated: page.truncated,
    NextMarker: page.truncated && page.last !== undefined ? encode(page.last) : undefined,
    Contents: contents(page.objects, encode, owner),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}

/** ListObjectsV2 (`list-type=2`); the continuation token is the Base64 of the last key returned. */
export async function listObjectsV2(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const { bucket, encode, prefix, delimiter } = listingQuery(ctx, r);
  const startAfter = r.query.get('start-after') ?? '';
  const token = r.query.get('continuation-token');
  let after = startAfter;
  if (token !== null && token !== '') {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (after === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  const maxKeys = maxKeysOf(r);
  const page = listPage(ctx.state.listObjects(bucket), prefix, delimiter, after, maxKeys);
  const owner = r.query.get('fetch-owner') === 'true' ? { ID: ctx.ownerId, DisplayName: ctx.ownerId } : undefined;
  const body = xmlDocument('ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    StartAfter: startAfter !== '' ? encode(startAfter) : undefined,
    ContinuationToken: token ?? undefined,
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: r.query.get('encoding-type') === 'url' ? 'url' : undefined,
    IsTruncated: page.truncated,
    NextContinuationToken: page.truncated && page.last !== undefined ? Buffer.from(page.last, 'utf8').toString('base64url') : undefined,
    KeyCount: page.objects.length + page.prefixes.length,
    Contents: contents(page.objects, encode, owner),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}
