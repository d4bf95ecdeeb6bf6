import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plural } from '../../lib/plural';

test('plural: singular for exactly one, the plural form otherwise (zero included)', () => {
  assert.equal(plural(1, 'job'), '1 job');
  assert.equal(plural(0, 'job'), '0 jobs');
  assert.equal(plural(2, 'job'), '2 jobs');
  assert.equal(plural(1, 'delivery', 'deliveries'), '1 delivery');
  assert.equal(plural(5, 'delivery', 'deliveries'), '5 deliveries');
});
