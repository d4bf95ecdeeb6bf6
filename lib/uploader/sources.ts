/**
 * Opening a job's source as a stream: a URL, inline text or Base64, or another OSS object.
 */
import { Readable } from 'node:stream';
import type { JobSource } from '../jobs/job';
import type { OssObjectClient } from './oss-client';
import type { SourceSettings } from './config';
import { describeError, isTransient, SourceError, type OssSdkError } from './errors';
import { openUrlSource, type Resolver } from './url-source';

/** A source ready to read. `length` and `contentType` are set when the source told. */
export interface OpenedSource {
  stream: Readable;
  length?: number;
  contentType?: string;
}

/** What opening a source needs besides the source. */
export interface SourceDeps {
  settings: SourceSettings;
  /** The client for a bucket (oss sources). */
  ossFor: (bucket: string) => OssObjectClient;
  /** Name resolution for url sources; the system resolver when absent. */
  resolve?: Resolver;
}

function inline(bytes: Buffer): OpenedSource {
  return { stream: Readable.from([bytes]), length: bytes.length };
}

async function openOssSource(bucket: string, key: string, deps: SourceDeps): Promise<OpenedSource> {
  let result: { stream?: Readable; res: { headers: object } };
  try {
    result = (await deps.ossFor(bucket).getStream(key, { timeout: deps.settings.timeoutMs })) as typeof result;
  } catch (error) {
    const e = error as OssSdkError;
    const where = `oss://${bucket}/${key}`;
    if (e.code === 'NoSuchKey' || e.code === 'NoSuchBucket') {
      throw new SourceError('source_not_found', `source ${where}: ${describeError(error)}`, true, { cause: error });
    }
    throw new SourceError('source_oss_error', `source ${where}: ${describeError(error)}`, !isTransient(error), { cause: error });
  }
  const stream = result.stream!;
  // ali-oss's timeout ends when the headers arrive; an idle body needs its own.
  (stream as Readable & { setTimeout?: (ms: number, onTimeout: () => void) => void }).setTimeout?.(deps.settings.timeoutMs, () => {
    stream.destroy(new SourceError('source_timeout', `source oss://${bucket}/${key} was silent for ${deps.settings.timeoutMs} ms`, false));
  });
  const headers = result.res.headers as Record<string, string | undefined>;
  const rawLength = headers['content-length'];
  const type = headers['content-type'];
  return {
    stream,
    ...(rawLength !== undefined && /^\d+$/.test(rawLength) ? { length: Number(rawLength) } : {}),
    ...(type ? { contentType: type } : {}),
  };
}

/**
 * Opens a source. Throws SourceError: `permanent` for a missing or refused source,
 * transient for timeouts, network failures and 5xx answers.
 *
 * @example
 * const { stream, length } = await openSource({ text: 'hello' }, deps); // length 5
 */
export async function openSource(source: JobSource, deps: SourceDeps): Promise<OpenedSource> {
  if ('text' in source) return inline(Buffer.from(source.text, 'utf8'));
  if ('base64' in source) return inline(Buffer.from(source.base64.replace(/\s+/g, ''), 'base64'));
  if ('oss' in source) return openOssSource(source.oss.bucket, source.oss.key, deps);
  return openUrlSource(source.url, { ...deps.settings, ...(deps.resolve ? { resolve: deps.resolve } : {}) });
}
