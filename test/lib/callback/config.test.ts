import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callbackConfigFromEnv, MAX_KEY_FETCHES_PER_MINUTE } from '../../../lib/callback/config';
import { ConfigError } from '../../../lib/errors';
import { DEFAULT_KEY_FETCHES_PER_MINUTE, OSS_PUBLIC_KEY_URL_PREFIXES } from '../../../lib/callback/public-key';

const base = {
  CALLBACK_TOKEN_SECRET: 'config-test-secret-0123456789',
  TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
  TABLESTORE_INSTANCE: 'inst',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
};

function refusedFor(env: NodeJS.ProcessEnv, setting: string, value: string): void {
  assert.throws(
    () => callbackConfigFromEnv({ ...base, ...env }),
    (e: unknown) => e instanceof ConfigError && e.setting === setting && e.message.includes(setting) && !e.message.includes(value),
    `${setting}=${value}`,
  );
}

describe('callbackConfigFromEnv', () => {
  test('defaults: OSS key prefixes, any bucket, the default key fetch limit', () => {
    const config = callbackConfigFromEnv(base);
    assert.deepEqual(config.keyUrlPrefixes, OSS_PUBLIC_KEY_URL_PREFIXES);
    assert.equal(config.allowedBuckets, undefined);
    assert.equal(config.keyFetchesPerMinute, DEFAULT_KEY_FETCHES_PER_MINUTE);
  });

  test('CALLBACK_PUBKEY_FETCHES_PER_MINUTE: a whole number from 1 to the maximum', () => {
    assert.equal(callbackConfigFromEnv({ ...base, CALLBACK_PUBKEY_FETCHES_PER_MINUTE: ' 60 ' }).keyFetchesPerMinute, 60);
    assert.equal(callbackConfigFromEnv({ ...base, CALLBACK_PUBKEY_FETCHES_PER_MINUTE: String(MAX_KEY_FETCHES_PER_MINUTE) }).keyFetchesPerMinute, MAX_KEY_FETCHES_PER_MINUTE);
    for (const value of ['00000', '-7', '1.5', 'many', String(MAX_KEY_FETCHES_PER_MINUTE + 1), '1e2']) refusedFor({ CALLBACK_PUBKEY_FETCHES_PER_MINUTE: value }, 'CALLBACK_PUBKEY_FETCHES_PER_MINUTE', value);
  });

  test('CALLBACK_ALLOWED_BUCKETS: a list of bucket names; a bad entry is named by position', () => {
    assert.deepEqual([...callbackConfigFromEnv({ ...base, CALLBACK_ALLOWED_BUCKETS: 'uploads, other-bucket ,' }).allowedBuckets!], ['uploads', 'other-bucket']);
    refusedFor({ CALLBACK_ALLOWED_BUCKETS: 'uploads,Not_A_Bucket' }, 'CALLBACK_ALLOWED_BUCKETS', 'Not_A_Bucket');
  });

  test('messages never carry a value', () => {
    refusedFor({ CALLBACK_PUBKEY_URL_PREFIXES: 'https://u:hunter2@keys.example/' }, 'CALLBACK_PUBKEY_URL_PREFIXES', 'hunter2');
    refusedFor({ TABLESTORE_ENDPOINT: 'https://id:hunter2@inst.cn-hangzhou.ots.aliyuncs.com' }, 'TABLESTORE_ENDPOINT', 'hunter2');
    refusedFor({ TABLESTORE_ENDPOINT: 'https://:hunter2@inst.cn-hangzhou.ots.aliyuncs.com' }, 'TABLESTORE_ENDPOINT', 'hunter2');
    refusedFor({ TABLESTORE_INSTANCE: 'hunter2!' }, 'TABLESTORE_INSTANCE', 'hunter2');
    refusedFor({ CALLBACK_TOKEN_SECRET: 'hunter2' }, 'CALLBACK_TOKEN_SECRET', 'hunter2');
  });
});
