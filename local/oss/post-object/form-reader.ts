/**
 * Reading a `multipart/form-data` body (RFC 7578) as it streams in: the fields before the
 * file are read into memory (each at most 4 KB, as OSS allows), the file is handed out as
 * a stream of its bytes, never buffered whole, and whatever follows it is discarded (OSS:
 * "The file must be the last field in those form fields").
 *
 * Every delimiter is `CRLF--boundary`; the reader starts as if a CRLF preceded the body,
 * so the first boundary line matches the same delimiter. Nothing is pulled from the
 * request except through this reader, so it must also be what drains the rest.
 */
import type { Readable } from 'node:stream';
import { fieldTooLong, malformedPost } from './errors';

/** OSS: form fields other than the file are at most 4 KB each (FieldItemTooLong). */
export const MAX_FIELD_BYTES = 4 * 1024;
const MAX_PART_HEADER_BYTES = 16 * 1024;
const MAX_FIELDS = 256;
const MAX_PREAMBLE_BYTES = 64 * 1024;

/** One part's headers, as far as a form needs them. */
export interface PartHead {
  name: string;
  filename?: string;
  contentType?: string;
}

/** The fields before the file, and the file (when there is one). */
export interface FormHead {
  /** In order of arrival; names as sent. */
  fields: { name: string; value: string }[];
  file?: PartHead;
}

/**
 * The boundary of a `multipart/form-data` Content-Type, or undefined when the body is
 * not one (RFC 2046: 1–70 characters).
 *
 * @example formBoundary('multipart/form-data; boundary=----WebKitFormBoundaryW0DET1') // => '----WebKitFormBoundaryW0DET1'
 */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Pulls chunks from a readable stream one at a time, with backpressure. */
class ChunkSource {
  private ended = false;
  private failure: Error | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('end', () => (this.ended = true));
    stream.on('error', (error) => (this.failure = error));
  }

  async next(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (this.ended || this.stream.readableEnded) return undefined;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('readable', done);
          this.stream.off('end', done);
          this.stream.off('error', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('readable', done);
        this.stream.on('end', done);
        this.stream.on('error', done);
        this.stream.on('close', done);
      });
      if (this.stream.destroyed && !this.stream.readableEnded && this.stream.readableLength === 0) throw new Error('request aborted');
    }
  }
}

function parseParams(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(value)) !== null) {
    params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
  }
  return { type, params };
}

function parsePartHead(text: string): PartHead {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedPost();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (disposition === undefined) throw malformedPost();
  const { type, params } = parseParams(disposition);
  if (type !== 'form-data' || params.name === undefined || params.name === '') throw malformedPost();
  return { name: params.name, ...(params.filename !== undefined ? { filename: params.filename } : {}), ...(contentType ? { contentType } : {}) };
}

/**
 * A form being read: {@link readHead} returns the fields up to the file, {@link fileBytes}
 * then streams the file, and {@link drain} reads whatever is left.
 *
 * @example
 * const form = new FormReader(req, formBoundary(req.headers['content-type'])!);
 * const head = await form.readHead();
 * await blobs.write(form.fileBytes());
 * await form.drain();
 */
export class FormReader {
  private buf: Buffer = Buffer.from('\r\n');
  private readonly source: ChunkSource;
  private readonly delimiter: Buffer;
  private done = false;

  constructor(stream: Readable, boundary: string) {
    this.source = new ChunkSource(stream);
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  private async fill(): Promise<boolean> {
    const chunk = await this.source.next();
    if (chunk === undefined) return false;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Consumes bytes up to and including the next delimiter; returns what came before it. */
  private async untilDelimiter(limit: number, onTooLong: () => Error): Promise<Buffer> {
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        if (at > limit) throw onTooLong();
        const value = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + this.delimiter.length);
        return value;
      }
      if (this.buf.length > limit + this.delimiter.length) throw onTooLong();
      if (!(await this.fill())) throw malformedPost();
    }
  }

  /** After a delimiter: the next part's headers, or undefined at the closing delimiter. */
  private async nextPart(): Promise<PartHead | undefined> {
    while (this.buf.length < 2) if (!(await this.fill())) throw malformedPost();
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
      this.done = true;
      return undefined;
    }
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) < 0) {
      if (this.buf.length > MAX_PART_HEADER_BYTES) throw malformedPost();
      if (!(await this.fill())) throw malformedPost();
    }
    const lineEnd = this.buf.indexOf('\r\n');
    // RFC 2046 allows linear white space after the boundary before its CRLF.
    if (!/^[ \t]*$/.test(this.buf.subarray(0, lineEnd).toString('latin1'))) throw malformedPost();
    const head = parsePartHead(this.buf.subarray(lineEnd + 2, end).toString('utf8'));
    this.buf = this.buf.subarray(end + 4);
    return head;
  }

  /**
   * Reads the fields up to the file part (or to the end of the form). Throws
   * MalformedPOSTRequest for a body that is not a well-formed form, FieldItemTooLong for
   * a field over 4 KB.
   */
  async readHead(): Promise<FormHead> {
    // Anything before the first boundary is a preamble (RFC 2046) and is skipped.
    await this.untilDelimiter(MAX_PREAMBLE_BYTES, malformedPost);
    const fields: FormHead['fields'] = [];
    for (;;) {
      const part = await this.nextPart();
      if (part === undefined) return { fields };
      if (part.name.toLowerCase() === 'file') return { fields, file: part };
      if (fields.length >= MAX_FIELDS) throw malformedPost();
      const value = await this.untilDelimiter(MAX_FIELD_BYTES, () => fieldTooLong(part.name));
      fields.push({ name: part.name, value: value.toString('utf8') });
    }
  }

  /** The file's bytes, as they arrive; call once, after {@link readHead} found a file. */
  async *fileBytes(): AsyncGenerator<Buffer> {
    const keep = this.delimiter.length - 1;
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        if (at > 0) yield this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + this.delimiter.length);
        return;
      }
      if (this.buf.length > keep) {
        // The last bytes might be the start of a delimiter split across chunks.
        yield this.buf.subarray(0, this.buf.length - keep);
        this.buf = this.buf.subarray(this.buf.length - keep);
      }
      if (!(await this.fill())) throw malformedPost();
    }
  }

  /** Reads and discards the rest of the body (parts after the file are ignored, as by OSS). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.fill()) this.buf = Buffer.alloc(0);
  }

  /** True once the closing delimiter was read. */
  get complete(): boolean {
    return this.done;
  }
}
