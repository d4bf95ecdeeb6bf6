/**
 * CRC-8 (polynomial x^8 + x^2 + x + 1, i.e. 0x07, no reflection, initial value 0) as
 * PlainBuffer uses it for cell and row checksums.
 *
 * @example
 * crc8Bytes(0, Buffer.from('pk')); // checksum of a cell name
 */

const TABLE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i += 1) {
    let c = i;
    for (let bit = 0; bit < 8; bit += 1) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[i] = c;
  }
  return table;
})();

/** Folds one byte into a running checksum. */
export function crc8Byte(crc: number, byte: number): number {
  return TABLE[(crc ^ byte) & 0xff]!;
}

/** Folds every byte of `bytes` into a running checksum. */
export function crc8Bytes(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]!;
  return c;
}

/** Folds a uint32 in little-endian byte order (how PlainBuffer checksums lengths). */
export function crc8Uint32(crc: number, value: number): number {
  let c = crc;
  for (let i = 0; i < 4; i += 1) c = crc8Byte(c, (value >>> (i * 8)) & 0xff);
  return c;
}
