// The ticket function's settings: the region from OSS_REGION or FC_REGION in either
// spelling, where forms are posted, the defaults, and a ConfigError naming the variable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../lib/errors';
import { ticketConfigFromEnv } from '../../../lib/ticket/config';

const BASE: NodeJS.ProcessEnv = {
  OSS_BUCKET: 'photos',
  CALLBACK_URL: 'https://cb.example.com/oss/callback',
  CALLBACK_TOKEN_SECRET: 'ticket-config-secret-0123',
  TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
  TABLESTORE_INSTANCE: 'inst',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tConfig',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'config-secret',
};

function settingAtFault(env: NodeJS.ProcessEnv): string {
  try {
    ticketConfigFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      assert.ok(!error.message.includes('ticket-config-secret'), 'a message must not carry a secret');
      return error.setting;
    }
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('ticket configuration', () => {
  test('region: OSS_REGION wins over FC_REGION; oss-cn-hangzhou and cn-hangzhou both read as cn-hangzhou', () => {
    assert.equal(ticketConfigFromEnv({ ...BASE, OSS_REGION: 'oss-cn-shanghai', FC_REGION: 'cn-hangzhou' }).region, 'cn-shanghai');
    assert.equal(ticketConfigFromEnv({ ...BASE, FC_REGION: 'cn-hangzhou' }).region, 'cn-hangzhou');
    assert.equal(ticketConfigFromEnv({ ...BASE, OSS_REGION: 'cn-beijing' }).region, 'cn-beijing');
    assert.equal(ticketConfigFromEnv({ ...BASE, OSS_REGION: 'oss-ap-southeast-1' }).region, 'ap-southeast-1');
    assert.equal(settingAtFault({ ...BASE, OSS_REGION: 'hangzhou' }), 'OSS_REGION');
    assert.equal(settingAtFault(BASE), 'OSS_REGION');
    assert.equal(settingAtFault({ ...BASE, FC_REGION: 'Hangzhou!' }), 'FC_REGION');
  });

  test('defaults: uploads/ per user, 100 MiB cap, 10 minutes, x-user-id; forms go to the bucket\'s public endpoint', () => {
    const config = ticketConfigFromEnv({ ...BASE, FC_REGION: 'cn-hangzhou' });
    assert.equal(config.keyPrefix, 'uploads/');
    assert.equal(config.perUser, true);
    assert.equal(config.maxBytesCap, 100 * 1024 * 1024);
    assert.equal(config.expiresSeconds, 600);
    assert.equal(config.userHeader, 'x-user-id');
    assert.equal(config.uploadUrl, 'https://photos.oss-cn-hangzhou.aliyuncs.com');
  });

  test('forms go path-style to OSS_ENDPOINT (the local emulator), or to TICKET_UPLOAD_URL when set', () => {
    assert.equal(ticketConfigFromEnv({ ...BASE, FC_REGION: 'cn-hangzhou', OSS_ENDPOINT: 'http://127.0.0.1:9000' }).uploadUrl, 'http://127.0.0.1:9000/photos');
    assert.equal(ticketConfigFromEnv({ ...BASE, FC_REGION: 'cn-hangzhou', TICKET_UPLOAD_URL: 'https://static.example.com/' }).uploadUrl, 'https://static.example.com');
  });

  test('bad settings name their variable', () => {
    const env = { ...BASE, FC_REGION: 'cn-hangzhou' };
    assert.equal(settingAtFault({ ...env, OSS_BUCKET: 'Bad_Bucket' }), 'OSS_BUCKET');
    assert.equal(settingAtFault({ ...env, CALLBACK_URL: 'https://cb.example.com/?q=1' }), 'CALLBACK_URL');
    assert.equal(settingAtFault({ ...env, CALLBACK_TOKEN_SECRET: 'short' }), 'CALLBACK_TOKEN_SECRET');
    assert.equal(settingAtFault({ ...env, TICKET_KEY_PREFIX: 'uploads' }), 'TICKET_KEY_PREFIX');
    assert.equal(settingAtFault({ ...env, TICKET_KEY_PREFIX: '/uploads/' }), 'TICKET_KEY_PREFIX');
    assert.equal(settingAtFault({ ...env, TICKET_MAX_BYTES: String(6 * 1024 ** 3) }), 'TICKET_MAX_BYTES');
    assert.equal(settingAtFault({ ...env, TICKET_EXPIRES_SECONDS: '3600' }), 'TICKET_EXPIRES_SECONDS');
    assert.equal(settingAtFault({ ...env, TICKET_PER_USER: 'maybe' }), 'TICKET_PER_USER');
    assert.equal(settingAtFault({ ...env, TICKET_USER_HEADER: 'x user' }), 'TICKET_USER_HEADER');
    assert.equal(settingAtFault({ ...env, TICKET_UPLOAD_URL: 'ftp://x' }), 'TICKET_UPLOAD_URL');
    assert.equal(settingAtFault({ ...env, TABLESTORE_ENDPOINT: '' }), 'TABLESTORE_ENDPOINT');
  });
});
