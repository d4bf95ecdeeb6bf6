/**
 * PlainBuffer encoder: rows (with header and CRC-8 checksums) and bare values.
 *
 * Layout, per the service's PlainBuffer specification:
 *   buffer = header(uint32 LE 0x75) row*
 *   row    = TAG_ROW_PK cell* [TAG_ROW_DATA cell*] [TAG_DELETE_ROW_MARKER] TAG_ROW_CHECKSUM crc
 *   cell   = TAG_CELL TAG_CELL_NAME len name [TAG_CELL_VALUE len type payload]
 *            [TAG_CELL_TYPE op] [TAG_CELL_TIMESTAMP int64] TAG_CELL_CHECKSUM crc
 * A cell checksum covers name, value, timestamp and op, in that order; a row checksum
 * covers the cell checksums and then one byte: 1 with a delete marker, else 0.
 *
 * @example
 * encodeRows([{ primaryKey: [{ name: 'id', value: { type: 'STRING', value: 'a' } }], cells: [] }]);
 */
import { CellOpType, PLAIN_BUFFER_HEADER, Tag, VariantType } from './constants';
import { crc8Byte, crc8Bytes, crc8Uint32 } from './crc8';
import type { Cell, CellOperation, ColumnValue, KeyValue, PlainRow } from './model';

/** Grows a list of chunks; cheaper than resizing one buffer for rows this small. */
class ByteWriter {
  private chunks: Buffer[] = [];

  byte(b: number): void {
    this.chunks.push(Buffer.of(b & 0xff));
  }

  uint32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    this.chunks.push(b);
  }

  bytes(b: Uint8Array): void {
    this.chunks.push(Buffer.from(b));
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function int64Bytes(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, value));
  return b;
}

function doubleBytes(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return b;
}

/** Type byte and payload of a value, exactly as they appear after TAG_CELL_VALUE's length. */
function variantParts(value: ColumnValue | KeyValue): { type: number; payload: Buffer } {
  switch (value.type) {
    case 'INTEGER':
      return { type: VariantType.INTEGER, payload: int64Bytes(value.value) };
    case 'DOUBLE':
      return { type: VariantType.DOUBLE, payload: doubleBytes(value.value) };
    case 'BOOLEAN':
      return { type: VariantType.BOOLEAN, payload: Buffer.of(value.value ? 1 : 0) };
    case 'STRING':
    case 'BINARY': {
      const data = value.type === 'STRING' ? Buffer.from(value.value, 'utf8') : value.value;
      const len = Buffer.alloc(4);
      len.writeUInt32LE(data.length);
      return { type: value.type === 'STRING' ? VariantType.STRING : VariantType.BLOB, payload: Buffer.concat([len, data]) };
    }
    case 'INF_MIN':
      return { type: VariantType.INF_MIN, payload: Buffer.alloc(0) };
    case 'INF_MAX':
      return { type: VariantType.INF_MAX, payload: Buffer.alloc(0) };
    case 'AUTO_INCREMENT':
      return { type: VariantType.AUTO_INCREMENT, payload: Buffer.alloc(0) };
  }
}

/** Checksum contribution of a value: type byte, then payload (lengths as uint32 LE). */
function crcValue(crc: number, value: ColumnValue | KeyValue): number {
  const { type, payload } = variantParts(value);
  let c = crc8Byte(crc, type);
  if (value.type === 'STRING' || value.type === 'BINARY') {
    c = crc8Uint32(c, payload.length - 4);
    c = crc8Bytes(c, payload.subarray(4));
  } else {
    c = crc8Bytes(c, payload);
  }
  return c;
}

const OP_BYTE: Record<CellOperation, number> = {
  DELETE: CellOpType.DELETE,
  DELETE_ALL: CellOpType.DELETE_ALL,
  INCREMENT: CellOpType.INCREMENT,
};

/** Writes one cell and returns its checksum. */
function writeCell(w: ByteWriter, cell: Cell | { name: string; value: KeyValue; op?: undefined; timestamp?: undefined }): number {
  const name = Buffer.from(cell.name, 'utf8');
  w.byte(Tag.CELL);
  w.byte(Tag.CELL_NAME);
  w.uint32(name.length);
  w.bytes(name);
  let crc = crc8Bytes(0, name);
  if (cell.value !== undefined) {
    const { type, payload } = variantParts(cell.value);
    w.byte(Tag.CELL_VALUE);
    w.uint32(1 + payload.length);
    w.byte(type);
    w.bytes(payload);
    crc = crcValue(crc, cell.value);
  }
  if (cell.op !== undefined) {
    w.byte(Tag.CELL_TYPE);
    w.byte(OP_BYTE[cell.op]);
  }
  if (cell.timestamp !== undefined) {
    w.byte(Tag.CELL_TIMESTAMP);
    w.bytes(int64Bytes(cell.timestamp));
    crc = crc8Bytes(crc, int64Bytes(cell.timestamp));
  }
  if (cell.op !== undefined) crc = crc8Byte(crc, OP_BYTE[cell.op]);
  w.byte(Tag.CELL_CHECKSUM);
  w.byte(crc);
  return crc;
}

function writeRow(w: ByteWriter, row: PlainRow): void {
  let rowCrc = 0;
  w.byte(Tag.ROW_PK);
  for (const key of row.primaryKey) rowCrc = crc8Byte(rowCrc, writeCell(w, key));
  if (row.cells.length > 0) {
    w.byte(Tag.ROW_DATA);
    for (const cell of row.cells) rowCrc = crc8Byte(rowCrc, writeCell(w, cell));
  }
  if (row.deleteMarker) w.byte(Tag.DELETE_ROW_MARKER);
  rowCrc = crc8Byte(rowCrc, row.deleteMarker ? 1 : 0);
  w.byte(Tag.ROW_CHECKSUM);
  w.byte(rowCrc);
}

/** Encodes rows after one header (GetRange's `rows`; one row for everything else). */
export function encodeRows(rows: readonly PlainRow[]): Buffer {
  const w = new ByteWriter();
  w.uint32(PLAIN_BUFFER_HEADER);
  for (const row of rows) writeRow(w, row);
  return w.finish();
}

/** Encodes one row with its header. */
export function encodeRow(row: PlainRow): Buffer {
  return encodeRows([row]);
}

/**
 * Encodes a bare value (type byte + payload, no tag or outer length): the "SQLVariant"
 * form a column condition carries its operand in.
 */
export function encodeVariant(value: ColumnValue | KeyValue): Buffer {
  const { type, payload } = variantParts(value);
  return Buffer.concat([Buffer.of(type), payload]);
}
