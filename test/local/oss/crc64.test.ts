// CRC-64 as OSS computes it (CRC-64/XZ) and combining part CRCs for multipart objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Crc64, combineCrc64, crc64 } from '../../../local/oss/crc64';

test('the CRC-64/XZ check value for "123456789" is 0x995DC9BBDF1939FA; empty input is 0', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0x995dc9bbdf1939fan);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
});

test('incremental updates equal one pass, however the input is split', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
      const at = Math.min(cut, bytes.length);
      const split = new Crc64().update(bytes.subarray(0, at)).update(bytes.subarray(at)).value();
      assert.equal(split, crc64(bytes));
    }),
  );
});

test('combineCrc64(crc(A), crc(B), |B|) is crc(A+B)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
      assert.equal(combineCrc64(crc64(a), crc64(b), b.length), crc64(Buffer.concat([a, b])));
    }),
    { numRuns: 50 },
  );
});
