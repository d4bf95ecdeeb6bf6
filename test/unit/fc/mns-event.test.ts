import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMnsCloudEvent } from '../../../lib/fc/mns-event';
import { usableCredentials } from '../../../lib/fc/context';

const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/fc/mns-queue-cloudevent.json', import.meta.url)), 'utf8'),
) as unknown;

describe('isMnsCloudEvent', () => {
  test('recognises the EventBridge MNS queue sample', () => {
    assert.equal(isMnsCloudEvent(sample), true);
  });

  test('rejects other shapes', () => {
    const s = sample as Record<string, unknown>;
    assert.equal(isMnsCloudEvent(null), false);
    assert.equal(isMnsCloudEvent([sample]), false);
    assert.equal(isMnsCloudEvent({ ...s, source: 'acs:oss' }), false);
    assert.equal(isMnsCloudEvent({ ...s, data: { messageId: 'x' } }), false);
    assert.equal(isMnsCloudEvent({ jobId: 'a' }), false);
  });
});

describe('usableCredentials', () => {
  test('treats absent or empty credentials as none', () => {
    assert.equal(usableCredentials({}), undefined);
    assert.equal(usableCredentials({ credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' } }), undefined);
  });

  test('keeps the token only when there is one', () => {
    assert.deepEqual(usableCredentials({ credentials: { accessKeyId: 'id', accessKeySecret: 's' } }), { accessKeyId: 'id', accessKeySecret: 's' });
    assert.deepEqual(usableCredentials({ credentials: { accessKeyId: 'id', accessKeySecret: 's', securityToken: 't' } }), {
      accessKeyId: 'id',
      accessKeySecret: 's',
      securityToken: 't',
    });
  });
});
