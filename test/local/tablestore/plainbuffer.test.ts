// PlainBuffer codec checked against the official SDK's own encoder and decoder, both ways.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { crc8Bytes } from '../../../local/tablestore/plainbuffer/crc8';
import { decodeRow, decodeRows, decodeVariant, PlainBufferError } from '../../../local/tablestore/plainbuffer/decode';
import { encodeRow, encodeRows, encodeVariant } from '../../../local/tablestore/plainbuffer/encode';
import type { PlainRow } from '../../../local/tablestore/plainbuffer/model';

// The SDK's internals are untyped; these are the pieces its request encoder uses.
const T = TableStore as unknown as {
  Long: { fromNumber(n: number): unknown; fromString(s: string): unknown };
  INF_MIN: unknown;
  INF_MAX: unknown;
  PK_AUTO_INCR: unknown;
  PlainBufferBuilder: {
    serializeForPutRow(pk: unknown[], cols: unknown[]): Buffer;
    serializeForUpdateRow(pk: unknown[], cols: unknown[]): Buffer;
    serializeForDeleteRow(pk: unknown[]): Buffer;
    serializePrimaryKey(pk: unknown[]): Buffer;
    serializeColumnValue(v: unknown): Buffer;
  };
  PlainBufferInputStream: new (b: { buffer: Buffer; offset: number; limit: number }) => unknown;
  PlainBufferCodedInputStream: new (s: unknown) => { readRows(): { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown; timestamp: unknown }[] }[] };
};
const B = T.PlainBufferBuilder;

function sdkReadRows(bytes: Buffer) {
  const stream = new T.PlainBufferInputStream({ buffer: bytes, offset: 0, limit: bytes.length });
  return new T.PlainBufferCodedInputStream(stream).readRows();
}

const str = (value: string) => ({ type: 'STRING' as const, value });
const int = (value: bigint) => ({ type: 'INTEGER' as const, value });

describe('PlainBuffer CRC-8', () => {
  test('matches the table the SDK ships (polynomial 0x07)', () => {
    // plain_buffer_crc8.js: CRC8_TABLE[1] = 0x07, [2] = 0x0e, [0x80] = 0x89, [0xff] = 0xf3
    assert.equal(crc8Bytes(0, Buffer.of(1)), 0x07);
    assert.equal(crc8Bytes(0, Buffer.of(2)), 0x0e);
    assert.equal(crc8Bytes(0, Buffer.of(0x80)), 0x89);
    assert.equal(crc8Bytes(0, Buffer.of(0xff)), 0xf3);
  });
});

describe('decoding what the SDK encodes', () => {
  test('a PutRow row with every value type and a timestamp, byte for byte', () => {
    const sdk = B.serializeForPutRow(
      [{ pk: 'abc' }, { n: T.Long.fromString('-9007199254740993') }, { bin: Buffer.from([0, 255]) }],
      [{ s: 'héllo' }, { d: 1.5 }, { yes: true }, { no: false }, { blob: Buffer.from([1, 2, 3]) }, { big: T.Long.fromString('9223372036854775807'), timestamp: 1700000000123 }],
    );
    const row = decodeRow(sdk);
    assert.deepEqual(row, {
      primaryKey: [
        { name: 'pk', value: str('abc') },
        { name: 'n', value: int(-9007199254740993n) },
        { name: 'bin', value: { type: 'BINARY', value: Buffer.from([0, 255]) } },
      ],
      cells: [
        { name: 's', value: str('héllo') },
        { name: 'd', value: { type: 'DOUBLE', value: 1.5 } },
        { name: 'yes', value: { type: 'BOOLEAN', value: true } },
        { name: 'no', value: { type: 'BOOLEAN', value: false } },
        { name: 'blob', value: { type: 'BINARY', value: Buffer.from([1, 2, 3]) } },
        { name: 'big', value: int(9223372036854775807n), timestamp: 1700000000123n },
      ],
    });
    assert.deepEqual(encodeRow(row), sdk, 'our encoding of the decoded row is the SDK encoding');
  });

  test('an UpdateRow with PUT, DELETE, DELETE_ALL and INCREMENT cells', () => {
    const sdk = B.serializeForUpdateRow(
      [{ pk: 'k' }],
      [{ PUT: [{ a: 'b' }] }, { DELETE: [{ c: 1700000000000 }] }, { DELETE_ALL: ['d'] }, { INCREMENT: [{ e: T.Long.fromNumber(3) }] }],
    );
    const row = decodeRow(sdk);
    assert.deepEqual(row.cells, [
      { name: 'a', value: str('b') },
      { name: 'c', op: 'DELETE', timestamp: 1700000000000n },
      { name: 'd', op: 'DELETE_ALL' },
      { name: 'e', value: int(3n), op: 'INCREMENT' },
    ]);
    // The SDK pads some buffers with zeros after the row; the meaningful bytes agree.
    const ours = encodeRow(row);
    assert.deepEqual(sdk.subarray(0, ours.length), ours);
    assert.ok(sdk.subarray(ours.length).every((b) => b === 0));
  });

  test('a DeleteRow key with its delete marker, and INF_MIN / INF_MAX / AUTO_INCREMENT keys', () => {
    const del = decodeRow(B.serializeForDeleteRow([{ pk: 'k' }]));
    assert.equal(del.deleteMarker, true);
    assert.deepEqual(encodeRow(del), B.serializeForDeleteRow([{ pk: 'k' }]));
    const range = decodeRow(B.serializePrimaryKey([{ a: T.INF_MIN }, { b: T.INF_MAX }, { c: T.PK_AUTO_INCR }]));
    assert.deepEqual(range.primaryKey.map((k) => k.value.type), ['INF_MIN', 'INF_MAX', 'AUTO_INCREMENT']);
  });

  test('condition operands (bare values)', () => {
    assert.deepEqual(decodeVariant(B.serializeColumnValue(2.25)), { type: 'DOUBLE', value: 2.25 });
    assert.deepEqual(decodeVariant(B.serializeColumnValue('ü')), str('ü'));
    assert.deepEqual(decodeVariant(B.serializeColumnValue(T.Long.fromNumber(-5))), int(-5n));
    assert.deepEqual(decodeVariant(B.serializeColumnValue(true)), { type: 'BOOLEAN', value: true });
    assert.deepEqual(encodeVariant(int(-5n)), B.serializeColumnValue(T.Long.fromNumber(-5)));
  });
});

describe('the SDK decoding what we encode', () => {
  test('several rows after one header, as GetRange returns them', () => {
    const rows: PlainRow[] = [
      { primaryKey: [{ name: 'id', value: str('a') }], cells: [{ name: 'n', value: int(2n ** 62n), timestamp: 5n }] },
      { primaryKey: [{ name: 'id', value: str('b') }], cells: [{ name: 'f', value: { type: 'DOUBLE', value: -0.5 }, timestamp: 6n }, { name: 't', value: { type: 'BOOLEAN', value: true }, timestamp: 7n }] },
      { primaryKey: [{ name: 'id', value: str('c') }], cells: [] },
    ];
    const decoded = sdkReadRows(encodeRows(rows));
    assert.equal(decoded.length, 3);
    assert.equal(decoded[0]!.primaryKey[0]!.value, 'a');
    assert.equal(String(decoded[0]!.attributes[0]!.columnValue), (2n ** 62n).toString());
    assert.equal(decoded[1]!.attributes[0]!.columnValue, -0.5);
    assert.equal(decoded[1]!.attributes[1]!.columnValue, true);
    assert.equal(String(decoded[1]!.attributes[1]!.timestamp), '7');
    assert.deepEqual(decoded[2]!.attributes, []);
    assert.deepEqual(decodeRows(encodeRows(rows)), rows, 'and our own decoder round-trips it');
  });
});

describe('rejecting damaged input', () => {
  test('a flipped bit fails the cell or row checksum', () => {
    const good = B.serializeForPutRow([{ pk: 'abc' }], [{ col: 'value' }]);
    const bad = Buffer.from(good);
    bad[bad.indexOf('value') + 1] ^= 0x01;
    assert.throws(() => decodeRow(bad), (e: unknown) => e instanceof PlainBufferError && e.reason === 'plainbuffer_checksum');
    const badRow = Buffer.from(good);
    badRow[badRow.length - 1] ^= 0xff;
    assert.throws(() => decodeRow(badRow), /row checksum mismatch/);
  });

  test('a wrong header, truncation and trailing garbage are malformed', () => {
    const good = B.serializePrimaryKey([{ pk: 'abc' }]);
    assert.throws(() => decodeRow(Buffer.concat([Buffer.of(0x76), good.subarray(1)])), /header/);
    assert.throws(() => decodeRow(good.subarray(0, good.length - 3)), /truncated|expected/);
    assert.throws(() => decodeRow(Buffer.concat([good, Buffer.of(7)])), /unexpected bytes/);
  });
});
