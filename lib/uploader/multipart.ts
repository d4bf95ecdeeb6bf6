/**
 * Multipart upload from a stream with bounded memory: parts of `partSize` are read one at
 * a time and at most `partConcurrency` are in flight, so a job holds at most
 * (partConcurrency + 1) parts however large the source. The callback headers go on
 * CompleteMultipartUpload, the only multipart request OSS calls back for.
 */
import type { CallbackHeaders } from '../protocol/encode';
import { ReasonedError } from '../errors';
import type { OssObjectClient } from './oss-client';
import type { ByteReader } from './byte-reader';
import { isCallbackFailed, isTransient, SourceError, type OssSdkError } from './errors';
import { withRetries, type RetryPolicy, type Sleep } from './retry';
import { callbackAnswer } from './callback-answer';

/** OSS allows part numbers 1–10000 (https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpart). */
export const MAX_PARTS = 10_000;

/**
 * CompleteMultipartUpload's answer was lost and a retry found the upload gone: an
 * earlier attempt completed it, but whether its callback succeeded is unknown.
 */
export class CompletionUnconfirmedError extends ReasonedError<'completion_unconfirmed'> {}

export interface MultipartInput {
  client: OssObjectClient;
  key: string;
  reader: ByteReader;
  partSize: number;
  partConcurrency: number;
  /** Content-Type and x-oss-meta-* for InitiateMultipartUpload. */
  headers: Record<string, string>;
  callbackHeaders: CallbackHeaders;
  retry: RetryPolicy;
  sleep: Sleep;
}

export interface MultipartResult {
  /** The callback server's JSON, passed through by OSS. */
  data: unknown;
  bytes: number;
  parts: number;
}

interface UploadedPart {
  number: number;
  etag: string;
}

async function uploadParts(input: MultipartInput, uploadId: string): Promise<UploadedPart[]> {
  const uploaded: UploadedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const send = (number: number, bytes: Buffer): Promise<void> => {
    const task = withRetries(
      () => input.client.uploadPart(input.key, uploadId, number, bytes, 0, bytes.length),
      input.retry,
      isTransient,
      input.sleep,
    ).then(
      (result) => {
        uploaded.push({ number, etag: result.etag });
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  };

  try {
    for (let number = 1; failure === undefined; number += 1) {
      const bytes = await input.reader.read(input.partSize);
      // An empty last read ends the upload; only part 1 may be empty (an empty object).
      if (bytes.length === 0 && number > 1) break;
      if (number > MAX_PARTS) {
        throw new SourceError('source_too_large', `the source needs more than ${MAX_PARTS} parts of ${input.partSize} bytes`, true);
      }
      void send(number, bytes);
      if (inFlight.size >= input.partConcurrency) await Promise.race(inFlight);
      if (input.reader.done) break;
    }
  } catch (error) {
    failure ??= { error };
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure.error;
  return uploaded.sort((a, b) => a.number - b.number);
}

async function complete(input: MultipartInput, uploadId: string, parts: UploadedPart[]): Promise<unknown> {
  let ambiguous = false;
  return withRetries(
    async () => {
      try {
        return await callbackAnswer(input.client.completeMultipartUpload(input.key, uploadId, parts, { headers: { ...input.callbackHeaders } }));
      } catch (error) {
        const e = error as OssSdkError;
        if (ambiguous && e.code === 'NoSuchUpload') {
          throw new CompletionUnconfirmedError('completion_unconfirmed', 'CompleteMultipartUpload was retried after a lost answer and the upload was already complete');
        }
        // Only an answer-less failure may have been applied; a 5xx answer means it was not.
        if (typeof e.status !== 'number' || e.status < 0) ambiguous = true;
        throw error;
      }
    },
    input.retry,
    isTransient,
    input.sleep,
  );
}

/**
 * Uploads the rest of `reader` as a multipart object; aborts the upload when anything
 * fails (best effort) and rethrows. A 203 CallbackFailed from Complete is rethrown as
 * ali-oss raised it: the object is stored.
 *
 * @example
 * const { data, bytes } = await uploadMultipart({ client, key, reader, partSize: 8 << 20, partConcurrency: 2, headers, callbackHeaders, retry, sleep });
 */
export async function uploadMultipart(input: MultipartInput): Promise<MultipartResult> {
  const init = await withRetries(
    () => input.client.initMultipartUpload(input.key, { headers: { ...input.headers } }),
    input.retry,
    isTransient,
    input.sleep,
  );
  let parts: UploadedPart[];
  try {
    parts = await uploadParts(input, init.uploadId);
  } catch (error) {
    input.reader.destroy();
    // Best effort: an upload left behind only costs storage until a lifecycle rule clears it.
    await input.client.abortMultipartUpload(input.key, init.uploadId).catch(() => undefined);
    throw error;
  }
  let data: unknown;
  try {
    data = await complete(input, init.uploadId, parts);
  } catch (error) {
    // After a CallbackFailed or an unconfirmed completion the object exists: nothing to abort.
    if (!isCallbackFailed(error) && !(error instanceof CompletionUnconfirmedError)) {
      await input.client.abortMultipartUpload(input.key, init.uploadId).catch(() => undefined);
    }
    throw error;
  }
  return { data, bytes: input.reader.bytesRead, parts: parts.length };
}
