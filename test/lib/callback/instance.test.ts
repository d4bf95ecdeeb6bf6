// lib/callback/instance.ts: the callback keeps its configuration and store per
// credentials (lib/fc/instance-state.ts), as the uploader does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forgetCallbackInstance, withCallbackInstance, type CallbackInstance } from '../../../lib/callback/instance';
import { ConfigError } from '../../../lib/errors';

const A = { accessKeyId: 'STS.a', accessKeySecret: 'secret-a', securityToken: 'token-a' };
const B = { accessKeyId: 'STS.b', accessKeySecret: 'secret-b', securityToken: 'token-b' };

const callbackInstance = (env: NodeJS.ProcessEnv, credentials: typeof A): Promise<CallbackInstance> => withCallbackInstance(env, credentials, async (instance) => instance);

test('the same credentials reuse configuration and store; rotated ones get new ones; a bad setting is a ConfigError', async () => {
  const env = {
    CALLBACK_TOKEN_SECRET: 'instance-test-secret-0123456789',
    TABLESTORE_ENDPOINT: 'http://127.0.0.1:9',
    TABLESTORE_INSTANCE: 'local-instance',
  };
  forgetCallbackInstance();
  try {
    const first = await callbackInstance(env, A);
    assert.equal(await callbackInstance(env, A), first);
    assert.equal(first.config.store.credentials.accessKeyId, 'STS.a');
    const rotated = await callbackInstance(env, B);
    assert.notEqual(rotated.store, first.store);
    assert.equal(rotated.config.store.credentials.accessKeyId, 'STS.b');
    forgetCallbackInstance();
    await assert.rejects(callbackInstance({ ...env, CALLBACK_TOKEN_SECRET: undefined }, A), (e: unknown) => e instanceof ConfigError && e.setting === 'CALLBACK_TOKEN_SECRET');
  } finally {
    forgetCallbackInstance();
  }
});
