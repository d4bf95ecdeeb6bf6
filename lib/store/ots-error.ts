/**
 * Tablestore answers a failed request with an HTTP status and a protobuf body
 * `message Error { required string code = 1; optional string message = 2; }`
 * (node_modules/tablestore/lib/protocol/tablestore.proto). The SDK does not decode it:
 * its `extractError` (lib/client.js) tries an XML parser that does not exist, then
 * falls back to `code = <HTTP status>` and `message = body.toString() + " requestId:" + id`,
 * which mangles any varint byte >= 0x80 into U+FFFD. This module decodes the raw bytes,
 * which the store's client captures before the SDK stringifies them.
 */

/** A decoded `Error{code, message}`. */
export interface OtsErrorBody {
  code: string;
  message?: string;
}

/**
 * Decodes a protobuf `Error` message. Returns undefined when the bytes are not one
 * (no field 1, or malformed before it). Unknown fields are skipped as protobuf requires.
 *
 * @example
 * decodeOtsErrorBody(Buffer.from('0a154f5453436f6e646974696f6e436865636b4661696c', 'hex'))
 * // => { code: 'OTSConditionCheckFail' }
 */
export function decodeOtsErrorBody(bytes: Uint8Array): OtsErrorBody | undefined {
  const reader = new ProtoReader(bytes);
  let code: string | undefined;
  let message: string | undefined;
  try {
    while (!reader.atEnd()) {
      const key = reader.varint();
      const field = key >>> 3;
      const wireType = key & 7;
      if (wireType === 2) {
        const value = reader.bytes();
        if (field === 1) code = Buffer.from(value).toString('utf8');
        else if (field === 2) message = Buffer.from(value).toString('utf8');
      } else {
        reader.skip(wireType);
      }
    }
  } catch {
    // A truncated or mangled tail still leaves whatever was decoded before it usable.
  }
  if (code === undefined || code === '' || !/^[A-Za-z][A-Za-z0-9]*$/.test(code)) return undefined;
  return message === undefined ? { code } : { code, message };
}

/**
 * Recovers the error body from the SDK's stringified message (`<body as utf8> requestId:<id>`),
 * for errors whose raw bytes were not captured. Exact for the code (short ASCII); the
 * message survives only when it is shorter than 128 bytes.
 */
export function decodeOtsErrorFromSdkMessage(sdkMessage: string): OtsErrorBody | undefined {
  const cut = sdkMessage.lastIndexOf(' requestId:');
  const body = cut >= 0 ? sdkMessage.slice(0, cut) : sdkMessage;
  return decodeOtsErrorBody(Buffer.from(body, 'utf8'));
}

class ProtoReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      // Field keys and lengths fit in 32 bits; anything longer is not an Error message.
      if (shift > 28) throw new RangeError('varint too long');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }

  bytes(): Uint8Array {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new RangeError('truncated field');
    const value = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 5) this.advance(4);
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError('truncated field');
    this.pos += n;
  }
}
