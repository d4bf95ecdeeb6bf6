// lib/callback/instance.ts: the callback keeps its configuration and store per
// credentials (lib/fc/instance-state.ts), as the uploader does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callbackInstance, forgetCallbackInstance } from '../../../lib/callback/instance';
import { ConfigError } from '../../../lib/errors';

const A = { accessKeyId: 'STS.a', accessKeySecret: 'secret-a', securityToken: 'token-a' };
const B = { accessKeyId: 'STS.b', accessKeySecret: 'secret-b', securityToken: 'token-b' };

test('the same credentials reuse configuration and store; rotated ones get new ones; a bad setting is a ConfigError', () => {
  const env = {
    CALLBACK_TOKEN_SECRET: 'instance-test-secret-0123456789',
    TABLESTORE_ENDPOINT: 'http://127.0.0.1:9',
    TABLESTORE_INSTANCE: 'local-instance',
  };
  forgetCallbackInstance();
  try {
    const first = callbackInstance(env, A);
    assert.equal(callbackInstance(env, A), first);
    assert.equal(first.config.store.credentials.accessKeyId, 'STS.a');
    const rotated = callbackInstance(env, B);
    assert.notEqual(rotated.store, first.store);
    assert.equal(rotated.config.store.credentials.accessKeyId, 'STS.b');
    forgetCallbackInstance();
    assert.throws(() => callbackInstance({ ...env, CALLBACK_TOKEN_SECRET: undefined }, A), (e: unknown) => e instanceof ConfigError && e.setting === 'CALLBACK_TOKEN_SECRET');
  } finally {
    forgetCallbackInstance();
  }
});
