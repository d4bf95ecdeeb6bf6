/**
 * The upload job: one queue message body (docs/architecture.md#job), validated.
 */
import { ReasonedError } from '../errors';
import { BASE64_PATTERN } from '../protocol/base64';
import { BUCKET_PATTERN } from '../settings';
import { escapeGivenJobId, MAX_GIVEN_ID_CHARS } from './invalid-id';

/** Where a job's content comes from. */
export type JobSource = { url: string } | { text: string } | { base64: string } | { oss: { bucket: string; key: string } };

/** A validated upload job. */
export interface Job {
  jobId: string;
  source: JobSource;
  target: { bucket?: string; key: string };
  contentType?: string;
  /** Sent as `x-oss-meta-<name>` headers. */
  metadata?: Record<string, string>;
  /** Carried through the callback (as `x:` variables) into the record. */
  vars?: Record<string, string>;
}

/** 1–128 characters of `[A-Za-z0-9._:-]`. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A job that can never succeed: a permanent failure, recorded, never retried.
 * `invalid_job_id`: the job id is missing or unusable (the record then gets an `invalid-…`
 * id, lib/jobs/invalid-id.ts); `invalid_job`: anything else, under the job's own id.
 */
export class InvalidJobError extends ReasonedError<'invalid_job' | 'invalid_job_id'> {
  /** The job id when the body had a valid one, so the failure can still be recorded. */
  readonly jobId: string | undefined;

  constructor(message: string, jobId?: string, reason: 'invalid_job' | 'invalid_job_id' = 'invalid_job') {
    super(reason, message);
    this.jobId = jobId;
  }
}

/**
 * The error of a body whose `jobId` is missing or unusable. Its message holds the id as
 * given, escaped and cut to 128 characters (escapeGivenJobId), never more.
 *
 * @example invalidJobIdError('space id').message // => 'jobId "space id" is not 1–128 characters of A-Z a-z 0-9 . _ : -'
 */
export function invalidJobIdError(given: unknown, why?: string): InvalidJobError {
  const escaped = escapeGivenJobId(given);
  if (escaped === undefined) return new InvalidJobError(`jobId is missing${why ? `: ${why}` : ''}`, undefined, 'invalid_job_id');
  const cut = escaped.length >= MAX_GIVEN_ID_CHARS ? ` (cut to ${MAX_GIVEN_ID_CHARS} characters)` : '';
  return new InvalidJobError(`jobId ${escaped}${cut} is not 1–128 characters of A-Z a-z 0-9 . _ : -`, undefined, 'invalid_job_id');
}

const MAX_KEY_BYTES = 1023; // OSS object names are 1–1023 bytes
/**
 * OSS refuses user metadata names with anything but letters, digits and hyphens (an
 * underscore included): error 0011-00000004,
 * https://help.aliyun.com/en/oss/user-guide/0011-00000004 (read 2026-12-02).
 */
const META_NAME = /^[a-z0-9-]{1,64}$/i;
const VAR_NAME = /^[a-z0-9_.-]{1,64}$/;
const MAX_METADATA_BYTES = 8 * 1024; // OSS caps all user metadata at 8 KB
/** Custom variables share the 5 KB x-oss-callback-var header with the job id and token. */
const MAX_VARS_BYTES = 3 * 1024;

/**
 * Where a header value cannot go out as the job wrote it, or undefined when it can.
 * Node refuses (ERR_INVALID_CHAR, "Invalid character in header content") anything but
 * TAB, 0x20–0x7E and 0x80–0xFF: lib/_http_common.js `checkInvalidHeaderChar`
 * (nodejs/node v20.x; `http.validateHeaderValue`). The 0x80–0xFF it lets through are sent
 * as single Latin-1 bytes, so `é` would reach OSS as the byte E9, not the UTF-8 text the
 * job holds. Only TAB and printable ASCII are sendable as given.
 */
export function headerUnsafeCharacter(value: string): string | undefined {
  const match = /[^\t\x20-\x7e]/.exec(value);
  if (!match) return undefined;
  const code = value.codePointAt(match.index)!;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${match.index}`;
}

/** Lone UTF-16 surrogates: not text, so not encodable as the UTF-8 OSS object names are. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, field: string, namePattern: RegExp, maxBytes: number, jobId: string, asHeader: boolean): Record<string, string> {
  if (!isRecord(value)) throw new InvalidJobError(`${field} must be an object of strings`, jobId);
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [name, v] of Object.entries(value)) {
    if (!namePattern.test(name)) throw new InvalidJobError(`${field}.${name}: name must match ${namePattern.source}`, jobId);
    if (typeof v !== 'string') throw new InvalidJobError(`${field}.${name} must be a string`, jobId);
    if (/[\r\n]/.test(v)) throw new InvalidJobError(`${field}.${name} must not contain line breaks`, jobId);
    const unsafe = asHeader ? headerUnsafeCharacter(v) : undefined;
    if (unsafe) throw new InvalidJobError(`${field}.${name} cannot be sent in an HTTP header: ${unsafe} (only printable ASCII and tab)`, jobId);
    if (!asHeader && LONE_SURROGATE.test(v)) throw new InvalidJobError(`${field}.${name} holds a lone UTF-16 surrogate, which is not text`, jobId);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
    out[name] = v;
  }
  if (bytes > maxBytes) throw new InvalidJobError(`${field} is ${bytes} bytes; at most ${maxBytes} are allowed`, jobId);
  return out;
}

/**
 * Refuses any field of `value` not in `allowed`, naming its full path: a misspelled or
 * unsupported option (`target.acl`) would otherwise be dropped without a word.
 */
function refuseUnknownFields(value: Record<string, unknown>, allowed: readonly string[], path: string, jobId: string | undefined): void {
  for (const field of Object.keys(value)) {
    if (allowed.includes(field)) continue;
    const where = path ? `${path}.${field}` : field;
    throw new InvalidJobError(`unknown field ${JSON.stringify(where)} (${path || 'a job'} takes ${allowed.join(', ')})`, jobId);
  }
}

function checkBucket(value: unknown, field: string, jobId: string): string {
  if (typeof value !== 'string' || !BUCKET_PATTERN.test(value)) {
    throw new InvalidJobError(`${field} must be an OSS bucket name (3–63 of a-z, 0-9, -)`, jobId);
  }
  return value;
}

function checkKey(value: unknown, field: string, jobId: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidJobError(`${field} must be a non-empty string`, jobId);
  if (Buffer.byteLength(value) > MAX_KEY_BYTES) throw new InvalidJobError(`${field} is longer than ${MAX_KEY_BYTES} bytes`, jobId);
  if (value.startsWith('/') || value.startsWith('\\')) throw new InvalidJobError(`${field} must not start with / or \\`, jobId);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidJobError(`${field} must not contain control characters`, jobId);
  // ali-oss percent-encodes the name with encodeURIComponent, which throws URIError on these.
  if (LONE_SURROGATE.test(value)) throw new InvalidJobError(`${field} holds a lone UTF-16 surrogate, which cannot be UTF-8`, jobId);
  return value;
}

const SOURCE_KINDS = ['url', 'text', 'base64', 'oss'] as const;

function checkSource(value: unknown, jobId: string): JobSource {
  if (!isRecord(value)) throw new InvalidJobError('source must be an object with one of url, text, base64, oss', jobId);
  refuseUnknownFields(value, SOURCE_KINDS, 'source', jobId);
  const kinds = SOURCE_KINDS.filter((k) => k in value);
  if (kinds.length !== 1) throw new InvalidJobError(`source must have exactly one of url, text, base64, oss (has ${kinds.length === 0 ? 'none' : kinds.join(', ')})`, jobId);
  const kind = kinds[0]!;
  const v = value[kind];
  switch (kind) {
    case 'url': {
      if (typeof v !== 'string') throw new InvalidJobError('source.url must be a string', jobId);
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new InvalidJobError('source.url is not a valid URL', jobId);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidJobError(`source.url must be http or https, got ${url.protocol}`, jobId);
      return { url: v };
    }
    case 'text':
      if (typeof v !== 'string') throw new InvalidJobError('source.text must be a string', jobId);
      return { text: v };
    case 'base64':
      // White space (line breaks of MIME encoders) is allowed, as Node's decoder skips it.
      if (typeof v !== 'string' || !BASE64_PATTERN.test(v.replace(/\s+/g, ''))) {
        throw new InvalidJobError('source.base64 must be standard Base64', jobId);
      }
      return { base64: v };
    default: {
      if (!isRecord(v)) throw new InvalidJobError('source.oss must be {bucket, key}', jobId);
      refuseUnknownFields(v, ['bucket', 'key'], 'source.oss', jobId);
      return { oss: { bucket: checkBucket(v.bucket, 'source.oss.bucket', jobId), key: checkKey(v.key, 'source.oss.key', jobId) } };
    }
  }
}

/**
 * Validates a parsed message body as a job. Throws InvalidJobError with a message that
 * names the bad field (and carries the job id when that part was valid).
 *
 * @example
 * parseJob({ jobId: 'inv-1', source: { text: 'hi' }, target: { key: 'a.txt' } })
 * // => { jobId: 'inv-1', source: { text: 'hi' }, target: { key: 'a.txt' } }
 */
export function parseJob(input: unknown): Job {
  if (!isRecord(input)) throw invalidJobIdError(undefined, 'a job must be a JSON object');
  const jobIdValue = input.jobId;
  if (typeof jobIdValue !== 'string' || !JOB_ID_PATTERN.test(jobIdValue)) throw invalidJobIdError(jobIdValue);
  const jobId = jobIdValue;
  refuseUnknownFields(input, ['jobId', 'source', 'target', 'contentType', 'metadata', 'vars'], '', jobId);
  const source = checkSource(input.source, jobId);
  if (!isRecord(input.target)) throw new InvalidJobError('target must be an object with a key', jobId);
  refuseUnknownFields(input.target, ['bucket', 'key'], 'target', jobId);
  const target: Job['target'] = { key: checkKey(input.target.key, 'target.key', jobId) };
  if (input.target.bucket !== undefined) target.bucket = checkBucket(input.target.bucket, 'target.bucket', jobId);
  const job: Job = { jobId, source, target };
  if (input.contentType !== undefined) {
    if (typeof input.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(input.contentType) || /[\r\n]/.test(input.contentType)) {
      throw new InvalidJobError('contentType must be a MIME type such as image/jpeg', jobId);
    }
    const unsafe = headerUnsafeCharacter(input.contentType);
    if (unsafe) throw new InvalidJobError(`contentType cannot be sent in an HTTP header: ${unsafe} (only printable ASCII and tab)`, jobId);
    job.contentType = input.contentType;
  }
  if (input.metadata !== undefined) job.metadata = stringMap(input.metadata, 'metadata', META_NAME, MAX_METADATA_BYTES, jobId, true);
  if (input.vars !== undefined) job.vars = stringMap(input.vars, 'vars', VAR_NAME, MAX_VARS_BYTES, jobId, false);
  return job;
}
