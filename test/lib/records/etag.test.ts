import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareEtag } from '../../../lib/records/record';

test('bareEtag strips the quotes HEAD puts around an ETag, and leaves a bare one alone', () => {
  assert.equal(bareEtag('"5EB63BBBE01EEED093CB22BB8F5ACDC3"'), '5EB63BBBE01EEED093CB22BB8F5ACDC3');
  assert.equal(bareEtag('"7C1153B14F314EB5868298A61631726F-8"'), '7C1153B14F314EB5868298A61631726F-8');
  assert.equal(bareEtag('5EB63BBBE01EEED093CB22BB8F5ACDC3'), '5EB63BBBE01EEED093CB22BB8F5ACDC3');
  // Only a matched pair around the whole value is OSS's quoting.
  assert.equal(bareEtag('"'), '"');
  assert.equal(bareEtag('"ABC'), '"ABC');
  assert.equal(bareEtag(''), '');
});
