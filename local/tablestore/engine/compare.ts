/**
 * Ordering and equality of values: integers as signed int64, strings and binaries by
 * their bytes (UTF-8 for strings), INF_MIN below and INF_MAX above everything. Keys
 * compare column by column in schema order. The byte order of strings is this emulator's
 * rule, not one a Tablestore page states (docs/fidelity.md, "Key order").
 */
import type { ColumnValue, KeyCell, KeyValue } from '../plainbuffer/model';

function bytesOf(v: { type: 'STRING'; value: string } | { type: 'BINARY'; value: Buffer }): Buffer {
  return v.type === 'STRING' ? Buffer.from(v.value, 'utf8') : v.value;
}

/**
 * Orders two strings as their UTF-8 bytes would, without encoding them: UTF-8 byte order is
 * code point order, and UTF-16 code unit order differs from it only where a surrogate meets
 * a unit from U+E000 to U+FFFF, which the shift below puts in code point order. Strings here
 * come from decoding UTF-8, so they hold no lone surrogates. Keys are compared on every
 * lookup, so this is the emulator's hottest comparison.
 */
function compareUtf8(a: string, b: string): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return sign(a.length - b.length);
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two key values of one column (-1, 0, 1). */
export function compareKeyValue(a: KeyValue, b: KeyValue): -1 | 0 | 1 {
  if (a.type === 'INF_MIN' || b.type === 'INF_MAX') return a.type === b.type ? 0 : -1;
  if (a.type === 'INF_MAX' || b.type === 'INF_MIN') return 1;
  if (a.type === 'INTEGER' && b.type === 'INTEGER') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.type === 'STRING' && b.type === 'STRING') return compareUtf8(a.value, b.value);
  if ((a.type === 'STRING' || a.type === 'BINARY') && (b.type === 'STRING' || b.type === 'BINARY')) {
    return sign(Buffer.compare(bytesOf(a), bytesOf(b)));
  }
  // Types are checked against the schema before any comparison, so this only orders
  // mismatched markers deterministically.
  return sign(a.type.localeCompare(b.type));
}

/** Compares two keys column by column. */
export function compareKeys(a: readonly KeyCell[], b: readonly KeyCell[]): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const c = compareKeyValue(a[i]!.value, b[i]!.value);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

/**
 * Compares two column values for a condition; undefined when they are of different
 * types (the service does not convert between INTEGER and DOUBLE, or anything else).
 */
export function compareColumnValues(a: ColumnValue, b: ColumnValue): -1 | 0 | 1 | undefined {
  if (a.type !== b.type) return undefined;
  switch (a.type) {
    case 'INTEGER': {
      const bv = (b as typeof a).value;
      return a.value < bv ? -1 : a.value > bv ? 1 : 0;
    }
    case 'DOUBLE': {
      const bv = (b as typeof a).value;
      return a.value < bv ? -1 : a.value > bv ? 1 : 0;
    }
    case 'BOOLEAN':
      return sign(Number(a.value) - Number((b as typeof a).value));
    case 'STRING':
      return compareUtf8(a.value, (b as typeof a).value);
    case 'BINARY':
      return sign(Buffer.compare(a.value, (b as typeof a).value));
  }
}
