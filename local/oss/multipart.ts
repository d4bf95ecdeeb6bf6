/**
 * Multipart upload: InitiateMultipartUpload, UploadPart, CompleteMultipartUpload (with
 * callback), AbortMultipartUpload, ListParts.
 *
 * A completed object's ETag is OSS's multipart form: the uppercase hex MD5 of the
 * concatenated binary MD5s of its parts, then `-<number of parts>`. Its CRC-64 is
 * combined from the parts' CRCs, so completing never re-reads the bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readCallbackSpec } from './callback';
import {
  announcedMd5,
  badDigest,
  existingBucket,
  headerOf,
  isoTime,
  objectKey,
  userMeta,
  writableBucket,
  type OssContext,
  type OssReply,
  type OssRequest,
} from './context';
import { combineCrc64 } from './crc64';
import { OssError, invalidArgument, noSuchUpload } from './errors';
import { formEncode } from './callback-body';
import type { MultipartUpload, StoredObject, StoredPart } from './state';
import { replyToUpload } from './upload-reply';
import { parseCompleteMultipartBody, xmlDocument } from './xml';

/** Every part but the last must be at least this big (OSS: 100 KB). */
export const MIN_PART_SIZE = 100 * 1024;
const MAX_PARTS = 10000;
const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

const xmlReply = (body: string, headers: Record<string, string | number> = {}): OssReply => ({
  status: 200,
  headers: { ...headers, 'Content-Type': 'application/xml' },
  body,
});

function encoderOf(r: OssRequest): { encode: (text: string) => string; encodingType?: string } {
  return r.query.get('encoding-type') === 'url' ? { encode: formEncode, encodingType: 'url' } : { encode: (text) => text };
}

function uploadOf(ctx: OssContext, r: OssRequest, ec?: string): MultipartUpload {
  const bucket = existingBucket(ctx, r);
  const key = objectKey(r);
  const uploadId = r.query.get('uploadId') ?? '';
  const upload = ctx.state.uploads.get(uploadId);
  if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId, ec);
  return upload;
}

/** InitiateMultipartUpload (POST ?uploads). */
export async function initiateMultipartUpload(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const key = objectKey(r);
  const bucket = await writableBucket(ctx, r);
  const uploadId = randomBytes(16).toString('hex').toUpperCase();
  ctx.state.uploads.set(uploadId, {
    uploadId,
    bucket,
    key,
    initiated: Date.now(),
    contentType: headerOf(r, 'content-type') || 'application/octet-stream',
    meta: userMeta(r),
    parts: new Map(),
  });
  const { encode, encodingType } = encoderOf(r);
  return xmlReply(xmlDocument('InitiateMultipartUploadResult', { EncodingType: encodingType, Bucket: bucket, Key: encode(key), UploadId: uploadId }));
}

/** UploadPart (PUT ?partNumber=N&uploadId=U). */
export async function uploadPart(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const rawNumber = r.query.get('partNumber') ?? '';
  if (!/^\d+$/.test(rawNumber) || Number(rawNumber) < 1 || Number(rawNumber) > MAX_PARTS) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive.', 'partNumber', rawNumber);
  }
  const upload = uploadOf(ctx, r, '0042-00000104');
  const expected = announcedMd5(r);
  const blob = await ctx.state.blobs.write(r.req);
  if (expected && !expected.equals(blob.md5)) {
    await ctx.state.blobs.discard(blob);
    throw badDigest(expected, blob.md5);
  }
  if (ctx.state.uploads.get(upload.uploadId) !== upload) {
    // Completed or aborted while this part was streaming in.
    await ctx.state.blobs.discard(blob);
    throw noSuchUpload(upload.uploadId, '0042-00000104');
  }
  const part: StoredPart = {
    partNumber: Number(rawNumber),
    size: blob.size,
    etag: blob.md5.toString('hex').toUpperCase(),
    md5: blob.md5,
    crc64: blob.crc64,
    lastModified: Date.now(),
    blob,
  };
  const previous = upload.parts.get(part.partNumber);
  upload.parts.set(part.partNumber, part);
  if (previous) await ctx.state.blobs.discard(previous.blob);
  return {
    status: 200,
    headers: { ETag: `"${part.etag}"`, 'x-oss-hash-crc64ecma': part.crc64.toString(), 'Content-MD5': blob.md5.toString('base64') },
  };
}

async function readSmallBody(r: OssRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of r.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_COMPLETE_BODY_BYTES) throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const malformedXml = (): OssError =>
  new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');

/** CompleteMultipartUpload (POST ?uploadId=U), with the callback if one is asked for. */
export async function completeMultipartUpload(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const upload = uploadOf(ctx, r);
  const spec = readCallbackSpec(r.req.headers, r.query);
  const text = await readSmallBody(r);
  let chosen: StoredPart[];
  if ((headerOf(r, 'x-oss-complete-all') ?? '').toLowerCase() === 'yes') {
    chosen = [...upload.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  } else {
    const requested = parseCompleteMultipartBody(text);
    if (!requested || requested.length === 0) throw malformedXml();
    chosen = [];
    for (let i = 0; i < requested.length; i++) {
      const wanted = requested[i]!;
      if (i > 0 && wanted.partNumber <= requested[i - 1]!.partNumber) {
        throw new OssError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
      }
      const part = upload.parts.get(wanted.partNumber);
      if (!part || wanted.etag.replace(/"/g, '').toUpperCase() !== part.etag) {
        throw new OssError(
          400,
          'InvalidPart',
          "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
          undefined,
          { UploadId: upload.uploadId, PartNumber: String(wanted.partNumber), ETag: wanted.etag },
        );
      }
      chosen.push(part);
    }
  }
  if (chosen.length === 0) throw malformedXml();
  for (const part of chosen.slice(0, -1)) {
    if (part.size < MIN_PART_SIZE) {
      throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', undefined, {
        PartNumber: String(part.partNumber),
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
      });
    }
  }
  if (ctx.state.uploads.get(upload.uploadId) !== upload) throw noSuchUpload(upload.uploadId);
  ctx.state.uploads.delete(upload.uploadId);

  const digest = createHash('md5');
  let crc = 0n;
  let size = 0;
  for (const part of chosen) {
    digest.update(part.md5);
    crc = combineCrc64(crc, part.crc64, part.size);
    size += part.size;
  }
  const object: StoredObject = {
    key: upload.key,
    size,
    etag: `${digest.digest('hex').toUpperCase()}-${chosen.length}`,
    crc64: crc.toString(),
    contentType: upload.contentType,
    lastModified: Date.now(),
    meta: upload.meta,
    type: 'Multipart',
    blob: { segments: chosen.flatMap((p) => p.blob.segments), size },
  };
  await ctx.state.putObject(upload.bucket, object);
  const used = new Set(chosen);
  for (const part of upload.parts.values()) if (!used.has(part)) await ctx.state.blobs.discard(part.blob);

  const { encode, encodingType } = encoderOf(r);
  const headers = { ETag: `"${object.etag}"`, 'x-oss-hash-crc64ecma': object.crc64 };
  const usual = xmlReply(
    xmlDocument('CompleteMultipartUploadResult', {
      EncodingType: encodingType,
      Location: `http://${r.hostId}/${encode(upload.key)}`,
      Bucket: upload.bucket,
      Key: encode(upload.key),
      ETag: `"${object.etag}"`,
    }),
    headers,
  );
  return replyToUpload(
    ctx,
    spec,
    {
      bucket: upload.bucket,
      object: upload.key,
      etag: object.etag,
      size,
      mimeType: object.contentType,
      crc64: object.crc64,
      contentMd5: '',
      clientIp: r.clientIp,
      reqId: r.requestId,
      operation: 'CompleteMultipartUpload',
    },
    usual,
  );
}

/** AbortMultipartUpload (DELETE ?uploadId=U): 204. */
export async function abortMultipartUpload(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const upload = uploadOf(ctx, r, '0042-00000002');
  ctx.state.uploads.delete(upload.uploadId);
  for (const part of upload.parts.values()) await ctx.state.blobs.discard(part.blob);
  return { status: 204 };
}

/** ListParts (GET ?uploadId=U), with max-parts and part-number-marker. */
export async function listParts(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const upload = uploadOf(ctx, r, '0042-00000002');
  const rawMax = r.query.get('max-parts') ?? '';
  const maxParts = rawMax === '' ? 1000 : Number(rawMax);
  if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 1000) {
    throw invalidArgument('Argument max-parts must be an integer between 1 and 1000.', 'max-parts', rawMax);
  }
  const marker = Number(r.query.get('part-number-marker') ?? '0') || 0;
  const all = [...upload.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const { encode, encodingType } = encoderOf(r);
  return xmlReply(
    xmlDocument('ListPartsResult', {
      EncodingType: encodingType,
      Bucket: upload.bucket,
      Key: encode(upload.key),
      UploadId: upload.uploadId,
      StorageClass: 'Standard',
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length > 0 ? page[page.length - 1]!.partNumber : marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: isoTime(p.lastModified),
        ETag: `"${p.etag}"`,
        HashCrc64ecma: p.crc64.toString(),
        Size: p.size,
      })),
    }),
  );
}
