/**
 * PostObject (`POST /` on a bucket with a `multipart/form-data` form): upload through an
 * HTML form signed by a V4 policy, as browsers and apps do with an upload ticket.
 *
 * Order of work: the fields up to the file are read; the V4 signature is checked, then
 * the policy (expiry, every condition); the key and the callback parameters are checked;
 * then the file streams into storage, its size held to the policy's content-length-range
 * (and 5 GB) as it arrives; the object is stored and, when the form asks for one, the
 * callback runs as for PutObject (local/oss/callback.ts).
 *
 * Answer (PostObject, "success_action_status": 200, 201 or 204, default 204; 201 carries
 * a PostResponse XML with Bucket, Key, ETag, Location): without a callback, that status;
 * with one, the callback server's body with 200 (201 when the form asks for 201), or 203
 * CallbackFailed with the object stored. Custom callback variables come from the form's
 * `x:` fields (aliyun/alibabacloud-oss-python-sdk-v2 sample/post_object_callback.py,
 * commit 2ac4748), or a `callback-var` field like the PutObject header.
 */
import { readCallbackSpec } from '../callback';
import { objectKey, writableBucket, type OssContext, type OssReply, type OssRequest } from '../context';
import type { AccessKeys } from '../access-keys';
import type { StoredObject } from '../state';
import { replyToUpload, uploadValues } from '../upload-reply';
import { xmlDocument } from '../xml';
import { entityTooLarge, entityTooSmall, invalidFormArgument, malformedPost, wrongFileCount } from './errors';
import { FormFields } from './fields';
import { FormReader, formBoundary, type PartHead } from './form-reader';
import { applyPolicy, decodePolicy, type PolicyLimits } from './policy';
import { checkFormSignature } from './v4-signature';

/** What PostObject needs besides the request. */
export interface PostObjectDeps {
  /** The access keys the emulator accepts (long-term and STS). */
  keys: AccessKeys;
  /** Standard region id the emulator's buckets are in (`cn-hangzhou`), as V4 scopes name it. */
  region: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Counts the bytes as they pass and refuses more than `max`; the end is checked by the caller. */
async function* limited(source: AsyncIterable<Buffer>, limits: PolicyLimits, seen: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    seen.bytes += chunk.length;
    if (seen.bytes > limits.maxBytes) throw entityTooLarge();
    yield chunk;
  }
}

function objectName(fields: FormFields, file: PartHead): string {
  const key = fields.get('key');
  if (key === undefined || key === '') throw invalidFormArgument('The key field is required.', 'key', '');
  // OSS replaces ${filename} in the key with the name of the uploaded file.
  return key.replaceAll('${filename}', (file.filename ?? '').split(/[\\/]/).pop() ?? '');
}

function successStatus(fields: FormFields): 200 | 201 | 204 {
  const value = fields.get('success_action_status');
  return value === '200' ? 200 : value === '201' ? 201 : 204;
}

function callbackVars(fields: FormFields): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of fields.withPrefix('x:')) vars[name] = value;
  return vars;
}

/** PostObject: see the module comment. */
export async function postObject(ctx: OssContext, r: OssRequest, deps: PostObjectDeps): Promise<OssReply> {
  const boundary = formBoundary(r.req.headers['content-type']);
  if (boundary === undefined) throw malformedPost();
  const form = new FormReader(r.req, boundary);
  try {
    const head = await form.readHead();
    const fields = new FormFields(head.fields);
    if (!head.file) throw wrongFileCount();
    checkFormSignature(fields, deps.keys, deps.region);
    const limits = applyPolicy(decodePolicy(fields.get('policy')), fields, r.bucket!);
    const key = objectKey({ ...r, key: objectName(fields, head.file) });
    const callbackField = fields.get('callback');
    const spec = readCallbackSpec(
      { ...(callbackField ? { 'x-oss-callback': callbackField } : {}), ...(fields.get('callback-var') ? { 'x-oss-callback-var': fields.get('callback-var') } : {}) },
      new URLSearchParams(),
    );
    if (spec) spec.vars = { ...spec.vars, ...callbackVars(fields) };

    const bucket = await writableBucket(ctx, r);
    const seen = { bytes: 0 };
    const blob = await ctx.state.blobs.write(limited(form.fileBytes(), limits, seen));
    if (blob.size < limits.minBytes) {
      await ctx.state.blobs.discard(blob);
      throw entityTooSmall();
    }
    await form.drain();
    const object: StoredObject = {
      key,
      size: blob.size,
      etag: blob.md5.toString('hex').toUpperCase(),
      contentMd5: blob.md5.toString('base64'),
      crc64: blob.crc64.toString(),
      contentType: fields.get('Content-Type') || head.file.contentType || DEFAULT_CONTENT_TYPE,
      lastModified: Date.now(),
      meta: Object.fromEntries(fields.withPrefix('x-oss-meta-').map(([name, value]) => [name.slice('x-oss-meta-'.length), value])),
      type: 'Normal',
      blob,
    };
    await ctx.state.putObject(bucket, object);

    const status = successStatus(fields);
    const headers = { ETag: `"${object.etag}"`, 'x-oss-hash-crc64ecma': object.crc64, 'Content-MD5': object.contentMd5! };
    const location = `http://${r.hostId}/${encodeURI(key)}`;
    const usual: OssReply =
      status === 201
        ? { status, headers: { ...headers, 'Content-Type': 'application/xml' }, body: xmlDocument('PostResponse', { Bucket: bucket, Location: location, Key: key, ETag: `"${object.etag}"` }) }
        : { status, headers };
    const reply = await replyToUpload(
      ctx,
      spec,
      uploadValues(r, bucket, key, object, 'PostObject'),
      usual,
    );
    return spec && status === 201 ? { ...reply, status: 201 } : reply;
  } finally {
    // Whatever happened, the request is read to its end here: the reader owns the stream.
    await form.drain().catch(() => undefined);
  }
}
