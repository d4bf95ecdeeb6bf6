/**
 * Simple object operations: PutObject, GetObject (with Range), HeadObject,
 * GetObjectMeta, DeleteObject — status codes and headers as OSS answers them.
 */
import { readCallbackSpec } from './callback';
import {
  announcedMd5,
  badDigest,
  existingBucket,
  headerOf,
  objectKey,
  userMeta,
  writableBucket,
  type OssContext,
  type OssReply,
  type OssRequest,
} from './context';
import { OssError, noSuchKey } from './errors';
import type { StoredObject } from './state';
import { replyToUpload, uploadValues } from './upload-reply';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** PutObject: streams the body into storage, checks Content-MD5, runs the callback. */
export async function putObject(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const key = objectKey(r);
  const spec = readCallbackSpec(r.req.headers, r.query);
  const expected = announcedMd5(r);
  const bucket = await writableBucket(ctx, r);
  const blob = await ctx.state.blobs.write(r.req);
  if (expected && !expected.equals(blob.md5)) {
    await ctx.state.blobs.discard(blob);
    throw badDigest(expected, blob.md5);
  }
  const object: StoredObject = {
    key,
    size: blob.size,
    etag: blob.md5.toString('hex').toUpperCase(),
    contentMd5: blob.md5.toString('base64'),
    crc64: blob.crc64.toString(),
    contentType: headerOf(r, 'content-type') || DEFAULT_CONTENT_TYPE,
    lastModified: Date.now(),
    meta: userMeta(r),
    type: 'Normal',
    blob,
  };
  await ctx.state.putObject(bucket, object);
  const headers = { ETag: `"${object.etag}"`, 'x-oss-hash-crc64ecma': object.crc64, 'Content-MD5': object.contentMd5! };
  return replyToUpload(
    ctx,
    spec,
    uploadValues(r, bucket, key, object, 'PutObject'),
    { status: 200, headers },
  );
}

function existingObject(ctx: OssContext, r: OssRequest): StoredObject {
  const bucket = existingBucket(ctx, r);
  const key = objectKey(r);
  const object = ctx.state.getObject(bucket, key);
  if (!object) throw noSuchKey(key);
  return object;
}

function objectHeaders(object: StoredObject): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'Content-Type': object.contentType,
    ETag: `"${object.etag}"`,
    'Last-Modified': new Date(object.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': object.type,
    'x-oss-storage-class': 'Standard',
    'x-oss-hash-crc64ecma': object.crc64,
  };
  if (object.contentMd5) headers['Content-MD5'] = object.contentMd5;
  for (const [name, value] of Object.entries(object.meta)) headers[`x-oss-meta-${name}`] = value;
  return headers;
}

/** OSS's If-Match / If-None-Match / If-(Un)Modified-Since handling. */
function checkConditions(r: OssRequest, object: StoredObject): OssReply | undefined {
  const etag = `"${object.etag}"`;
  const ifMatch = headerOf(r, 'if-match');
  const ifNoneMatch = headerOf(r, 'if-none-match');
  const ifModifiedSince = headerOf(r, 'if-modified-since');
  const ifUnmodifiedSince = headerOf(r, 'if-unmodified-since');
  const modifiedSecond = Math.floor(object.lastModified / 1000) * 1000;
  const failed = (): never => {
    throw new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
  };
  if (ifMatch !== undefined && ifMatch.trim() !== etag) failed();
  if (ifUnmodifiedSince !== undefined && !Number.isNaN(Date.parse(ifUnmodifiedSince)) && modifiedSecond > Date.parse(ifUnmodifiedSince)) failed();
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() === etag) return { status: 304, headers: { ETag: etag } };
  if (ifModifiedSince !== undefined && !Number.isNaN(Date.parse(ifModifiedSince)) && modifiedSecond <= Date.parse(ifModifiedSince)) {
    return { status: 304, headers: { ETag: etag } };
  }
  return undefined;
}

/**
 * The byte range asked for, as [start, end) — undefined for the whole object. OSS
 * ignores a Range it cannot satisfy and sends the whole object with 200, unless the
 * client sends `x-oss-range-behavior: standard`, which makes it a 416 InvalidRange.
 */
function requestedRange(r: OssRequest, size: number): [number, number] | undefined {
  const range = headerOf(r, 'range');
  if (range === undefined) return undefined;
  const strict = headerOf(r, 'x-oss-range-behavior') === 'standard';
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let span: [number, number] | undefined;
  if (match && (match[1] !== '' || match[2] !== '')) {
    if (match[1] === '') {
      const suffix = Number(match[2]);
      if (suffix > 0 && size > 0) span = [Math.max(0, size - suffix), size];
    } else {
      const start = Number(match[1]);
      const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
      if (start < size && start <= last) span = [start, last + 1];
    }
  }
  if (!span && strict) {
    throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied', undefined, { RangeRequested: range, ActualObjectSize: String(size) });
  }
  return span;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** GetObject, with Range and the response-* overrides. */
export async function getObject(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const object = existingObject(ctx, r);
  const conditional = checkConditions(r, object);
  if (conditional) return conditional;
  const headers = objectHeaders(object);
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = r.query.get(param);
    if (value !== null) headers[name] = value;
  }
  const span = requestedRange(r, object.size);
  if (!span) {
    return { status: 200, headers: { ...headers, 'Content-Length': object.size }, body: ctx.state.blobs.read(object.blob) };
  }
  const [start, end] = span;
  delete headers['Content-MD5'];
  return {
    status: 206,
    headers: { ...headers, 'Content-Length': end - start, 'Content-Range': `bytes ${start}-${end - 1}/${object.size}` },
    body: ctx.state.blobs.read(object.blob, start, end),
  };
}

/** HeadObject: GetObject's headers without the body. */
export async function headObject(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const object = existingObject(ctx, r);
  const conditional = checkConditions(r, object);
  if (conditional) return conditional;
  return { status: 200, headers: { ...objectHeaders(object), 'Content-Length': object.size } };
}

/** GetObjectMeta (HEAD ?objectMeta): the basic metadata only. */
export async function getObjectMeta(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const object = existingObject(ctx, r);
  return {
    status: 200,
    headers: {
      ETag: `"${object.etag}"`,
      'Content-Length': object.size,
      'Last-Modified': new Date(object.lastModified).toUTCString(),
      'x-oss-hash-crc64ecma': object.crc64,
    },
  };
}

/** DeleteObject: 204 whether or not the object existed (as OSS). */
export async function deleteObject(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const bucket = existingBucket(ctx, r);
  await ctx.state.deleteObject(bucket, objectKey(r));
  return { status: 204 };
}
