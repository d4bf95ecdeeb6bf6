// Key order: the service orders strings by their UTF-8 bytes. The emulator compares them
// without encoding, so it is checked here against Buffer.compare on the encoded bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareColumnValues, compareKeyValue } from '../../../local/tablestore/engine/compare';

const byBytes = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

// Each range is where UTF-16 order and UTF-8 order could part: ASCII, two- and three-byte
// units, the units above the surrogates (U+E000–U+FFFF) and astral characters (surrogate pairs).
const pieces = ['', 'a', 'z', 'A', '0', '~', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '中', '\ud7ff', '\ue000', '\uf8ff', '\uffff', '😀', '𝄞', '\u{10ffff}', 'job-1', 'job-10', 'job-2'];

describe('string key order', () => {
  test('matches the order of the UTF-8 bytes for every pair of tricky strings', () => {
    const strings = new Set<string>();
    for (const a of pieces) for (const b of pieces) strings.add(a + b);
    const all = [...strings];
    for (const a of all) {
      for (const b of all) {
        assert.equal(compareKeyValue({ type: 'STRING', value: a }, { type: 'STRING', value: b }), byBytes(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        assert.equal(compareColumnValues({ type: 'STRING', value: a }, { type: 'STRING', value: b }), byBytes(a, b));
      }
    }
  });

  test('puts U+FFFF before an astral character, as UTF-8 does and UTF-16 does not', () => {
    assert.equal('\uffff' < '😀', false); // UTF-16 units: 0xFFFF > 0xD83D
    assert.equal(compareKeyValue({ type: 'STRING', value: '\uffff' }, { type: 'STRING', value: '😀' }), -1);
  });

  test('a string and a binary still compare by bytes', () => {
    assert.equal(compareKeyValue({ type: 'STRING', value: 'b' }, { type: 'BINARY', value: Buffer.from('a') }), 1);
    assert.equal(compareKeyValue({ type: 'BINARY', value: Buffer.from([0xc3, 0xa9]) }, { type: 'STRING', value: 'é' }), 0);
  });
});
