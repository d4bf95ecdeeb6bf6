/**
 * The answer to an upload that may carry a callback (PutObject, CompleteMultipartUpload):
 * without a callback, the operation's usual reply; with one, the callback server's body
 * passed through with status 200 (for CompleteMultipartUpload it replaces the usual XML),
 * or 203 CallbackFailed — the object is stored either way.
 */
import type { CallbackSpec } from './callback-params';
import { callbackFailed, sendCallback } from './callback';
import type { CallbackValues } from './callback-body';
import type { OssContext, OssReply, OssRequest } from './context';
import type { StoredObject } from './state';

/**
 * The callback variables OSS fills for a stored object (OSS Callback page's system
 * variables). `contentMd5` is empty for CompleteMultipartUpload, as OSS leaves it.
 *
 * @example uploadValues(r, bucket, key, object, 'PutObject').etag // => '5EB63BBBE01EEED093CB22BB8F5ACDC3'
 */
export function uploadValues(r: OssRequest, bucket: string, key: string, object: StoredObject, operation: string): CallbackValues {
  return {
    bucket,
    object: key,
    etag: object.etag,
    size: object.size,
    mimeType: object.contentType,
    crc64: object.crc64,
    contentMd5: object.contentMd5 ?? '',
    clientIp: r.clientIp,
    reqId: r.requestId,
    operation,
  };
}

/** Runs the callback (if any) and builds the reply; throws the 203 OssError when it fails. */
export async function replyToUpload(ctx: OssContext, spec: CallbackSpec | undefined, values: CallbackValues, usual: OssReply): Promise<OssReply> {
  if (!spec) return usual;
  const headers = { ...(usual.headers ?? {}) };
  delete headers['Content-Type'];
  const outcome = await sendCallback(spec, values, ctx.signer);
  if (!outcome.ok) throw callbackFailed(outcome.message).withHeaders(headers);
  return { status: 200, headers: { ...headers, 'Content-Type': outcome.contentType }, body: outcome.body };
}
