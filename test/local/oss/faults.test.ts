// Fault injection, from code and over the emulator's HTTP control API, and the public
// key endpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import type OSS from 'ali-oss';
import type { OssEmulator } from '../../../local/oss/index';
import { clientFor, startEmulator, rejection } from '../../support/oss-emulator';

describe('OSS emulator: faults and control API', () => {
  let emulator: OssEmulator;
  let client: OSS;

  before(async () => {
    emulator = await startEmulator();
    client = clientFor(emulator, 'faults-test', { timeout: 5000 });
    await client.put('there.txt', Buffer.from('here'));
  });
  after(() => emulator.close());

  test('from code: the next N requests of an operation fail with the given status and code', async () => {
    emulator.faults.inject({ operation: 'PutObject', count: 2, status: 503, code: 'ServiceUnavailable', message: 'try later' });
    for (let i = 0; i < 2; i++) {
      const error = await rejection(client.put('flaky.txt', Buffer.from('x')));
      assert.equal(error.name, 'ServiceUnavailableError');
      assert.equal(error.status, 503);
      assert.equal(error.message, 'try later');
    }
    assert.equal((await client.put('flaky.txt', Buffer.from('x'))).res.status, 200);
    // Other operations were never affected.
    assert.equal((await client.get('there.txt')).content.toString(), 'here');
  });

  test('over HTTP: POST a rule, GET lists it, DELETE clears it', async () => {
    const post = await fetch(`${emulator.publicKeyUrlPrefix}faults`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'GetObject', count: 3, status: 500, code: 'InternalError' }),
    });
    assert.equal(post.status, 200);
    const error = await rejection(client.get('there.txt'));
    assert.equal(error.name, 'InternalErrorError');
    assert.equal(error.status, 500);
    const pending = (await (await fetch(`${emulator.publicKeyUrlPrefix}faults`)).json()) as { count: number }[];
    assert.equal(pending[0]!.count, 2);
    assert.equal((await fetch(`${emulator.publicKeyUrlPrefix}faults`, { method: 'DELETE' })).status, 204);
    assert.equal((await client.get('there.txt')).content.toString(), 'here');
  });

  test('a rule that names nothing to do is refused with 400', async () => {
    const response = await fetch(`${emulator.publicKeyUrlPrefix}faults`, { method: 'POST', body: JSON.stringify({ operation: 'GetObject' }) });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_fault_rule');
    assert.deepEqual(emulator.faults.pending(), []);
  });

  test('drop: the connection closes without an answer', async () => {
    emulator.faults.inject({ operation: 'HeadObject', drop: true });
    const error = await rejection(client.head('there.txt'));
    assert.ok(error.status === -1 || error.status === undefined, `unexpected status ${error.status}`);
    assert.equal((await client.head('there.txt')).status, 200);
  });

  test('delay: the request is answered late but answered', async () => {
    emulator.faults.inject({ operation: 'GetObject', delayMs: 300 });
    const started = Date.now();
    assert.equal((await client.get('there.txt')).content.toString(), 'here');
    assert.ok(Date.now() - started >= 280);
  });

  test('the callback public key is served as PEM at publicKeyUrl, under publicKeyUrlPrefix', async () => {
    assert.ok(emulator.publicKeyUrl.startsWith(emulator.publicKeyUrlPrefix));
    assert.ok(emulator.publicKeyUrlPrefix.endsWith('/__emulator/'));
    const response = await fetch(emulator.publicKeyUrl);
    assert.equal(response.status, 200);
    const key = createPublicKey(await response.text());
    assert.equal(key.asymmetricKeyType, 'rsa');
  });
});
