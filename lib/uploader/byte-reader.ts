/**
 * Reading a source stream in pieces of a chosen size, holding no more than one piece
 * (plus the stream's own small buffer) at a time: what keeps multipart memory bounded.
 */
import type { Readable } from 'node:stream';
import { SourceError } from './errors';

/**
 * Pulls Buffers of a requested size out of a Readable, checking the total against the
 * length the source declared. Errors of the stream become transient SourceErrors unless
 * they already are SourceErrors.
 *
 * @example
 * const reader = new ByteReader(stream, 1024);
 * const head = await reader.read(4096); // at most 4096 bytes; fewer only at the end
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<unknown>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  /** Bytes taken from the stream so far. */
  private received = 0;

  constructor(
    private readonly stream: Readable,
    private readonly declaredLength?: number,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Bytes handed out or put back so far, i.e. the source position. */
  get bytesRead(): number {
    return this.received - this.pendingBytes;
  }

  /** True once the stream ended and every byte was handed out. */
  get done(): boolean {
    return this.ended && this.pendingBytes === 0;
  }

  /** Up to `size` bytes; fewer only when the stream ends. An empty Buffer at the end. */
  async read(size: number): Promise<Buffer> {
    while (this.pendingBytes < size && !this.ended) await this.pull();
    if (this.pendingBytes <= size) {
      const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      return all;
    }
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const chunk = this.pending[0]!;
      const take = Math.min(chunk.length, size - filled);
      chunk.copy(out, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(take);
    }
    this.pendingBytes -= size;
    return out;
  }

  /** Puts bytes back in front, to be read again. */
  unshift(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.unshift(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Stops reading and releases the source (its socket). */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private async pull(): Promise<void> {
    let next: IteratorResult<unknown>;
    try {
      next = await this.iterator.next();
    } catch (error) {
      if (error instanceof SourceError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new SourceError('source_network', `reading the source failed after ${this.received} bytes: ${message}`, false, { cause: error });
    }
    if (next.done) {
      this.ended = true;
      if (this.declaredLength !== undefined && this.received !== this.declaredLength) {
        throw new SourceError('source_truncated', `the source declared ${this.declaredLength} bytes but sent ${this.received}`, false);
      }
      return;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    this.received += chunk.length;
    if (this.declaredLength !== undefined && this.received > this.declaredLength) {
      throw new SourceError('source_truncated', `the source declared ${this.declaredLength} bytes but sent more`, false);
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }
}
