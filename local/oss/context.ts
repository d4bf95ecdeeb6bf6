/**
 * What every operation handler gets (the parsed request and the emulator's state) and
 * gives back (a reply), plus the checks several operations share.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { OssError, noSuchBucket } from './errors';
import type { CallbackSigner } from './callback';
import type { OssState } from './state';
import { headerText } from '../serve';

/** One request, parsed. */
export interface OssRequest {
  req: IncomingMessage;
  method: string;
  operation: string;
  bucket?: string;
  /** The object key, decoded. */
  key?: string;
  query: URLSearchParams;
  requestId: string;
  hostId: string;
  clientIp: string;
}

/** One answer. */
export interface OssReply {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer | Readable;
}

/** The emulator's shared parts. */
export interface OssContext {
  state: OssState;
  signer: CallbackSigner;
  /** The account id the emulator pretends to be (Owner ID, x-oss-requester). */
  ownerId: string;
}

/** The bucket of a request that must name an existing bucket. */
export function existingBucket(ctx: OssContext, r: OssRequest): string {
  const bucket = r.bucket!;
  if (!ctx.state.hasBucket(bucket)) throw noSuchBucket(bucket);
  return bucket;
}

/**
 * The bucket of a write: created on first write when missing (the emulator's policy,
 * see README; OSS itself needs PutBucket first).
 */
export async function writableBucket(ctx: OssContext, r: OssRequest): Promise<string> {
  await ctx.state.createBucket(r.bucket!);
  return r.bucket!;
}

/** The object key of a request, checked as OSS checks names (1–1023 bytes of UTF-8). */
export function objectKey(r: OssRequest): string {
  const key = r.key ?? '';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > 1023 || key.startsWith('/') || key.startsWith('\\')) {
    throw new OssError(400, 'InvalidObjectName', 'The specified object is not valid.', undefined, { ObjectName: key });
  }
  return key;
}

/** A request header as one string. */
export function headerOf(r: OssRequest, name: string): string | undefined {
  return headerText(r.req.headers, name);
}

/** `x-oss-meta-*` headers of a request, by name without the prefix. */
export function userMeta(r: OssRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.req.headers)) {
    if (name.startsWith('x-oss-meta-') && value !== undefined) meta[name.slice('x-oss-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return meta;
}

/** The Content-MD5 a request announces, as raw bytes; throws InvalidDigest when malformed. */
export function announcedMd5(r: OssRequest): Buffer | undefined {
  const value = headerOf(r, 'content-md5');
  if (value === undefined) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== value.trim()) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  }
  return bytes;
}

/** The error OSS answers when the body does not match its Content-MD5. */
export function badDigest(expected: Buffer, calculated: Buffer): OssError {
  return new OssError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', undefined, {
    ExpectedMD5: expected.toString('base64'),
    CalculatedMD5: calculated.toString('base64'),
  });
}

/** Time as OSS writes it in XML listings. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
