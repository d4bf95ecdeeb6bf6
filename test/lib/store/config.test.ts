import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, storeConfigFromEnv } from '../../../lib/store/config';

const base = {
  TABLESTORE_ENDPOINT: 'https://myinst.cn-hangzhou.ots.aliyuncs.com',
  TABLESTORE_INSTANCE: 'myinst',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-value',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('storeConfigFromEnv', () => {
  test('reads the settings with defaults', () => {
    const config = storeConfigFromEnv({ ...base });
    assert.deepEqual(config, {
      endpoint: 'https://myinst.cn-hangzhou.ots.aliyuncs.com',
      instance: 'myinst',
      table: 'upload_results',
      credentials: { accessKeyId: 'env-id', accessKeySecret: 'env-secret-value' },
      timeoutMs: 3000,
      maxAttempts: 4,
    });
    assert.equal(storeConfigFromEnv({ ...base, TABLESTORE_TABLE: 'my_results' }).table, 'my_results');
    assert.equal(storeConfigFromEnv({ ...base, TABLESTORE_ENDPOINT: 'http://127.0.0.1:8123/' }).endpoint, 'http://127.0.0.1:8123');
  });

  test('FC context credentials (STS) win over the environment', () => {
    const config = storeConfigFromEnv(
      { ...base, ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token' },
      { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'ctx-token' },
    );
    assert.deepEqual(config.credentials, { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'ctx-token' });
  });

  test('empty context credentials (no role) fall back to the environment', () => {
    const config = storeConfigFromEnv({ ...base, ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token' }, { accessKeyId: '', accessKeySecret: '', securityToken: '' });
    assert.deepEqual(config.credentials, { accessKeyId: 'env-id', accessKeySecret: 'env-secret-value', securityToken: 'env-token' });
  });

  for (const name of ['TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'] as const) {
    test(`missing ${name} names it`, () => {
      const env: Record<string, string> = { ...base };
      delete env[name];
      const err = configError(() => storeConfigFromEnv(env));
      assert.equal(err.reason, 'missing_setting');
      assert.equal(err.setting, name);
      assert.match(err.message, new RegExp(name));
      // Blank counts as missing.
      assert.equal(configError(() => storeConfigFromEnv({ ...base, [name]: '  ' })).reason, 'missing_setting');
    });
  }

  const malformed: Array<[string, string]> = [
    ['TABLESTORE_ENDPOINT', 'not a url'],
    ['TABLESTORE_ENDPOINT', 'ftp://host'],
    ['TABLESTORE_ENDPOINT', 'https://host/some/path'],
    ['TABLESTORE_INSTANCE', 'ab'],
    ['TABLESTORE_INSTANCE', '1abc'],
    ['TABLESTORE_INSTANCE', 'abc-'],
    ['TABLESTORE_INSTANCE', 'a'.repeat(17)],
    ['TABLESTORE_TABLE', '9table'],
    ['TABLESTORE_TABLE', 'has-dash'],
  ];
  for (const [name, value] of malformed) {
    test(`malformed ${name}=${JSON.stringify(value)} names it`, () => {
      const err = configError(() => storeConfigFromEnv({ ...base, [name]: value }));
      assert.equal(err.reason, 'bad_setting');
      assert.equal(err.setting, name);
      assert.match(err.message, new RegExp(name));
    });
  }

  test('errors never carry the secret', () => {
    const env: Record<string, string> = { ...base };
    delete env.TABLESTORE_INSTANCE;
    const err = configError(() => storeConfigFromEnv(env, { accessKeyId: 'STS.x', accessKeySecret: 'ctx-secret' }));
    assert.doesNotMatch(err.message + String(err.stack), /env-secret-value|ctx-secret/);
  });
});
