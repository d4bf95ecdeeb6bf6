import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasMnsMessageType, isMnsCloudEvent } from '../../../lib/fc/mns-event';
import { usableCredentials } from '../../../lib/fc/context';

// FC's documented event-mode sample (test/conformance/fc-events/README.md names its source).
const sample = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../conformance/fc-events/mns-queue-trigger-event.json', import.meta.url)), 'utf8'),
) as Record<string, unknown> & { data: Record<string, unknown> };

describe('isMnsCloudEvent', () => {
  test('recognises the MNS queue trigger sample from FC', () => {
    assert.equal(isMnsCloudEvent(sample), true);
  });

  test('never looks at source: any value, or none, is still an MNS message', () => {
    for (const source of ['acs:mns', 'MNS-uploader-jobs-queue', 'acs:oss', '']) {
      assert.equal(isMnsCloudEvent({ ...sample, source }), true, source);
    }
    const { source: _dropped, ...withoutSource } = sample;
    assert.equal(isMnsCloudEvent(withoutSource), true);
  });

  test('needs the type and string messageId and messageBody in a data object', () => {
    assert.equal(isMnsCloudEvent(null), false);
    assert.equal(isMnsCloudEvent('{}'), false);
    assert.equal(isMnsCloudEvent([sample]), false, 'a batch is not one event');
    assert.equal(isMnsCloudEvent({ ...sample, type: 'mns:Topic:SendMessage' }), false);
    assert.equal(isMnsCloudEvent({ ...sample, type: undefined }), false);
    assert.equal(isMnsCloudEvent({ ...sample, data: { messageId: 'x' } }), false);
    assert.equal(isMnsCloudEvent({ ...sample, data: { ...sample.data, messageBody: { jobId: 'a' } } }), false);
    assert.equal(isMnsCloudEvent({ ...sample, data: { ...sample.data, messageId: 7 } }), false);
    assert.equal(isMnsCloudEvent({ ...sample, data: [sample.data] }), false);
    assert.equal(isMnsCloudEvent({ ...sample, data: JSON.stringify(sample.data) }), false);
    assert.equal(isMnsCloudEvent({ jobId: 'a', source: { text: 'x' }, target: { key: 'k' } }), false);
  });

  test('hasMnsMessageType only looks at the type', () => {
    assert.equal(hasMnsMessageType({ type: 'mns:Queue:SendMessage' }), true);
    assert.equal(hasMnsMessageType({ ...sample, type: 'other' }), false);
    assert.equal(hasMnsMessageType([sample]), false);
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
