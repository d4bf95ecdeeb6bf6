/**
 * PlainBuffer decoder with checksum verification. The inverse of encode.ts; it accepts
 * TAG_CELL_TYPE and TAG_CELL_TIMESTAMP in either order, since encoders differ there.
 *
 * @example
 * const [row] = decodeRows(bytes); // throws PlainBufferError on malformed input or bad CRC
 */
import { ReasonedError } from '../../../lib/errors';
import { CellOpType, PLAIN_BUFFER_HEADER, Tag, VariantType } from './constants';
import { crc8Byte, crc8Bytes, crc8Uint32 } from './crc8';
import type { Cell, CellOperation, ColumnValue, KeyValue, PlainRow } from './model';

/** Malformed PlainBuffer: truncated, unknown tag or type, or a checksum mismatch. */
export class PlainBufferError extends ReasonedError<'plainbuffer_malformed' | 'plainbuffer_checksum'> {}

class ByteReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new PlainBufferError('plainbuffer_malformed', `PlainBuffer truncated at byte ${this.pos} (needs ${n} more)`);
    }
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(b);
  }

  /** True when only zero padding (or nothing) is left; see decodeRow. */
  restIsZero(): boolean {
    for (let i = this.pos; i < this.buf.length; i += 1) if (this.buf[i] !== 0) return false;
    return true;
  }

  peek(): number | undefined {
    return this.atEnd() ? undefined : this.buf[this.pos];
  }
}

/** Reads type byte + payload of a value; `limit` bounds it when an outer length is known. */
function readVariant(r: ByteReader, limit?: number): { value: ColumnValue | KeyValue; crc: (c: number) => number } {
  const start = r.pos;
  const type = r.byte();
  let value: ColumnValue | KeyValue;
  let crc: (c: number) => number;
  switch (type) {
    case VariantType.INTEGER: {
      const raw = r.bytes(8);
      value = { type: 'INTEGER', value: raw.readBigInt64LE() };
      crc = (c) => crc8Bytes(crc8Byte(c, type), raw);
      break;
    }
    case VariantType.DOUBLE: {
      const raw = r.bytes(8);
      value = { type: 'DOUBLE', value: raw.readDoubleLE() };
      crc = (c) => crc8Bytes(crc8Byte(c, type), raw);
      break;
    }
    case VariantType.BOOLEAN: {
      const b = r.byte();
      value = { type: 'BOOLEAN', value: b !== 0 };
      crc = (c) => crc8Byte(crc8Byte(c, type), b !== 0 ? 1 : 0);
      break;
    }
    case VariantType.STRING:
    case VariantType.BLOB: {
      const len = r.uint32();
      const data = r.bytes(len);
      value = type === VariantType.STRING ? { type: 'STRING', value: data.toString('utf8') } : { type: 'BINARY', value: data };
      crc = (c) => crc8Bytes(crc8Uint32(crc8Byte(c, type), len), data);
      break;
    }
    case VariantType.INF_MIN:
      value = { type: 'INF_MIN' };
      crc = (c) => crc8Byte(c, type);
      break;
    case VariantType.INF_MAX:
      value = { type: 'INF_MAX' };
      crc = (c) => crc8Byte(c, type);
      break;
    case VariantType.AUTO_INCREMENT:
      value = { type: 'AUTO_INCREMENT' };
      crc = (c) => crc8Byte(c, type);
      break;
    default:
      throw new PlainBufferError('plainbuffer_malformed', `unknown PlainBuffer value type 0x${type.toString(16)}`);
  }
  if (limit !== undefined && r.pos - start !== limit) {
    throw new PlainBufferError('plainbuffer_malformed', `cell value length ${limit} does not match its content (${r.pos - start} bytes)`);
  }
  return { value, crc };
}

const OPS: Record<number, CellOperation> = {
  [CellOpType.DELETE]: 'DELETE',
  [CellOpType.DELETE_ALL]: 'DELETE_ALL',
  [CellOpType.INCREMENT]: 'INCREMENT',
};

function expectTag(r: ByteReader, tag: number, what: string): void {
  const got = r.byte();
  if (got !== tag) {
    throw new PlainBufferError('plainbuffer_malformed', `expected ${what} (0x${tag.toString(16)}) at byte ${r.pos - 1}, found 0x${got.toString(16)}`);
  }
}

/** Reads a cell after its TAG_CELL; returns it with its verified checksum. */
interface RawCell {
  name: string;
  value?: ColumnValue | KeyValue;
  op?: CellOperation;
  timestamp?: bigint;
}

function readCell(r: ByteReader): { cell: RawCell; crc: number } {
  expectTag(r, Tag.CELL_NAME, 'TAG_CELL_NAME');
  const nameLen = r.uint32();
  const nameBytes = r.bytes(nameLen);
  const cell: RawCell = {
    name: nameBytes.toString('utf8'),
  };
  let crc = crc8Bytes(0, nameBytes);
  let valueCrc: ((c: number) => number) | undefined;
  let timestampBytes: Buffer | undefined;
  let opByte: number | undefined;
  for (;;) {
    const tag = r.byte();
    if (tag === Tag.CELL_VALUE && valueCrc === undefined) {
      const len = r.uint32();
      const read = readVariant(r, len);
      cell.value = read.value;
      valueCrc = read.crc;
    } else if (tag === Tag.CELL_TYPE && opByte === undefined) {
      opByte = r.byte();
      const op = OPS[opByte];
      if (!op) throw new PlainBufferError('plainbuffer_malformed', `unknown cell operation 0x${opByte.toString(16)}`);
      cell.op = op;
    } else if (tag === Tag.CELL_TIMESTAMP && timestampBytes === undefined) {
      timestampBytes = r.bytes(8);
      cell.timestamp = timestampBytes.readBigInt64LE();
    } else if (tag === Tag.CELL_CHECKSUM) {
      if (valueCrc) crc = valueCrc(crc);
      if (timestampBytes) crc = crc8Bytes(crc, timestampBytes);
      if (opByte !== undefined) crc = crc8Byte(crc, opByte);
      const stated = r.byte();
      if (stated !== crc) {
        throw new PlainBufferError('plainbuffer_checksum', `cell '${cell.name}' checksum mismatch: stated ${stated}, computed ${crc}`);
      }
      return { cell, crc };
    } else {
      throw new PlainBufferError('plainbuffer_malformed', `unexpected tag 0x${tag.toString(16)} in cell '${cell.name}'`);
    }
  }
}

function readRow(r: ByteReader): PlainRow {
  expectTag(r, Tag.ROW_PK, 'TAG_ROW_PK');
  let rowCrc = 0;
  const row: PlainRow = { primaryKey: [], cells: [] };
  while (r.peek() === Tag.CELL) {
    r.byte();
    const { cell, crc } = readCell(r);
    if (cell.value === undefined || cell.op !== undefined) {
      throw new PlainBufferError('plainbuffer_malformed', `primary key cell '${cell.name}' must have a value and no operation`);
    }
    if (cell.value.type === 'DOUBLE' || cell.value.type === 'BOOLEAN') {
      throw new PlainBufferError('plainbuffer_malformed', `primary key cell '${cell.name}' cannot be ${cell.value.type}`);
    }
    row.primaryKey.push({ name: cell.name, value: cell.value });
    rowCrc = crc8Byte(rowCrc, crc);
  }
  if (r.peek() === Tag.ROW_DATA) {
    r.byte();
    while (r.peek() === Tag.CELL) {
      r.byte();
      const { cell, crc } = readCell(r);
      const v = cell.value;
      if (v && (v.type === 'INF_MIN' || v.type === 'INF_MAX' || v.type === 'AUTO_INCREMENT')) {
        throw new PlainBufferError('plainbuffer_malformed', `attribute cell '${cell.name}' cannot hold ${v.type}`);
      }
      row.cells.push(cell as Cell);
      rowCrc = crc8Byte(rowCrc, crc);
    }
  }
  if (r.peek() === Tag.DELETE_ROW_MARKER) {
    r.byte();
    row.deleteMarker = true;
  }
  rowCrc = crc8Byte(rowCrc, row.deleteMarker ? 1 : 0);
  expectTag(r, Tag.ROW_CHECKSUM, 'TAG_ROW_CHECKSUM');
  const stated = r.byte();
  if (stated !== rowCrc) {
    throw new PlainBufferError('plainbuffer_checksum', `row checksum mismatch: stated ${stated}, computed ${rowCrc}`);
  }
  return row;
}

function openBuffer(buf: Uint8Array): ByteReader {
  const r = new ByteReader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const header = r.uint32();
  if (header !== PLAIN_BUFFER_HEADER) {
    throw new PlainBufferError('plainbuffer_malformed', `PlainBuffer header is 0x${header.toString(16)}, expected 0x75`);
  }
  return r;
}

/** Decodes a PlainBuffer holding any number of rows after one header (zero padding tolerated). */
export function decodeRows(buf: Uint8Array): PlainRow[] {
  const r = openBuffer(buf);
  const rows: PlainRow[] = [];
  while (!r.atEnd() && !r.restIsZero()) rows.push(readRow(r));
  return rows;
}

/**
 * Decodes a PlainBuffer that holds one row. Zero bytes after the row are ignored: the
 * Node.js SDK sizes its output buffer before writing and over-estimates it for
 * UpdateRow DELETE cells (plian_buffer_builder.js computeUpdateColumnSize), so it sends
 * such padding, and the service accepts those requests.
 */
export function decodeRow(buf: Uint8Array): PlainRow {
  const r = openBuffer(buf);
  const row = readRow(r);
  if (!r.restIsZero()) throw new PlainBufferError('plainbuffer_malformed', 'unexpected bytes after the row');
  return row;
}

/** Decodes a bare value (type byte + payload), the operand of a column condition. */
export function decodeVariant(buf: Uint8Array): ColumnValue | KeyValue {
  const r = new ByteReader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const { value } = readVariant(r);
  if (!r.atEnd()) throw new PlainBufferError('plainbuffer_malformed', 'trailing bytes after value');
  return value;
}
