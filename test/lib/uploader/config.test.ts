// The uploader's configuration: defaults, credentials precedence, and errors that name
// the variable without ever showing a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, uploaderConfigFromEnv } from '../../../lib/uploader/config';
import { handler } from '../../../functions/uploader/index';
import { forgetUploaderInstance } from '../../../lib/uploader/instance';

const SECRET = 'very-secret-token-key-0123456789';
const KEY_SECRET = 'env-access-key-secret-value';

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = {
    OSS_REGION: 'oss-cn-hangzhou',
    OSS_BUCKET: 'photos',
    CALLBACK_URL: 'https://cb.example.com/oss-callback',
    CALLBACK_TOKEN_SECRET: SECRET,
    TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
    TABLESTORE_INSTANCE: 'inst',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenv',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY_SECRET,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

function configError(overrides: Record<string, string | undefined>): ConfigError {
  try {
    uploaderConfigFromEnv(env(overrides));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes(KEY_SECRET), 'no secret in the message');
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('defaults', () => {
  const config = uploaderConfigFromEnv(env());
  assert.deepEqual(config.oss, {
    region: 'oss-cn-hangzhou',
    secure: true,
    credentials: { accessKeyId: 'LTAIenv', accessKeySecret: KEY_SECRET },
    timeoutMs: 60000,
  });
  assert.equal(config.defaultBucket, 'photos');
  assert.equal(config.concurrency, 4);
  assert.deepEqual(config.tokenSecrets, [SECRET]);
  assert.equal(config.store.table, 'upload_results');
  assert.deepEqual(config.upload, {
    multipartThresholdBytes: 16 * 1024 * 1024,
    partSizeBytes: 8 * 1024 * 1024,
    partConcurrency: 2,
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 },
    source: { timeoutMs: 30000, maxRedirects: 5, addresses: { allowPrivate: false, allowMetadata: false } },
  });
});

test('an endpoint (local stack) and tunables', () => {
  const config = uploaderConfigFromEnv(
    env({
      OSS_REGION: undefined,
      FC_REGION: 'cn-hangzhou',
      OSS_ENDPOINT: 'http://127.0.0.1:9000',
      UPLOAD_PART_SIZE_BYTES: '102400',
      UPLOAD_MULTIPART_THRESHOLD_BYTES: '0',
      UPLOAD_CONCURRENCY: '8',
      UPLOAD_ALLOW_PRIVATE_SOURCES: 'true',
    }),
  );
  assert.equal(config.oss.endpoint, 'http://127.0.0.1:9000');
  assert.equal(config.oss.region, 'oss-cn-hangzhou', 'the region still signs, endpoint or not');
  assert.equal(config.oss.secure, false);
  assert.equal(config.upload.partSizeBytes, 102400);
  assert.equal(config.upload.multipartThresholdBytes, 0);
  assert.equal(config.concurrency, 8);
  assert.deepEqual(config.upload.source.addresses, { allowPrivate: true, allowMetadata: false });
  // A bare OSS host name means HTTPS.
  assert.equal(uploaderConfigFromEnv(env({ OSS_ENDPOINT: 'oss-cn-hangzhou-internal.aliyuncs.com' })).oss.endpoint, 'https://oss-cn-hangzhou-internal.aliyuncs.com');
});

test('the region: OSS_REGION in either form, else FC_REGION (which FC sets); required with an endpoint too', () => {
  const region = (overrides: Record<string, string | undefined>): string => uploaderConfigFromEnv(env(overrides)).oss.region;
  assert.equal(region({ OSS_REGION: 'oss-cn-shanghai' }), 'oss-cn-shanghai');
  assert.equal(region({ OSS_REGION: 'cn-shanghai' }), 'oss-cn-shanghai');
  assert.equal(region({ OSS_REGION: 'ap-southeast-1' }), 'oss-ap-southeast-1');
  assert.equal(region({ OSS_REGION: undefined, FC_REGION: 'cn-beijing' }), 'oss-cn-beijing');
  assert.equal(region({ OSS_REGION: 'cn-shenzhen', FC_REGION: 'cn-beijing' }), 'oss-cn-shenzhen', 'OSS_REGION wins');
  const missing = configError({ OSS_REGION: undefined, OSS_ENDPOINT: 'http://127.0.0.1:9000' });
  assert.equal(missing.reason, 'missing_setting');
  assert.equal(missing.setting, 'OSS_REGION');
  assert.match(missing.message, /OSS_REGION/);
  assert.match(missing.message, /FC_REGION/, 'the message says where else the region may come from');
  const badFc = configError({ OSS_REGION: undefined, FC_REGION: 'Hangzhou' });
  assert.equal(badFc.setting, 'FC_REGION');
  assert.equal(badFc.reason, 'bad_setting');
  assert.equal(configError({ OSS_REGION: 'oss-' }).setting, 'OSS_REGION');
});

test('FC context credentials win over the environment', () => {
  const config = uploaderConfigFromEnv(env(), { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'tok' });
  assert.deepEqual(config.oss.credentials, { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'tok' });
  assert.deepEqual(config.store.credentials, config.oss.credentials);
  // Empty context credentials (a function without a role) fall back to the environment.
  assert.equal(uploaderConfigFromEnv(env(), { accessKeyId: '', accessKeySecret: '' }).oss.credentials.accessKeyId, 'LTAIenv');
});

test('missing and malformed settings name the variable', () => {
  const cases: Array<[Record<string, string | undefined>, string, string]> = [
    [{ OSS_REGION: undefined }, 'OSS_REGION', 'missing_setting'],
    [{ OSS_REGION: 'hangzhou' }, 'OSS_REGION', 'bad_setting'],
    [{ OSS_REGION: 'oss-oss-cn-hangzhou' }, 'OSS_REGION', 'bad_setting'],
    [{ OSS_ENDPOINT: 'ftp://x' }, 'OSS_ENDPOINT', 'bad_setting'],
    [{ OSS_BUCKET: undefined }, 'OSS_BUCKET', 'missing_setting'],
    [{ OSS_BUCKET: 'Bad_Bucket' }, 'OSS_BUCKET', 'bad_setting'],
    [{ CALLBACK_URL: undefined }, 'CALLBACK_URL', 'missing_setting'],
    [{ CALLBACK_URL: 'https://cb.example.com/x?y=1' }, 'CALLBACK_URL', 'bad_setting'],
    [{ CALLBACK_URL: 'gopher://cb' }, 'CALLBACK_URL', 'bad_setting'],
    [{ CALLBACK_TOKEN_SECRET: undefined }, 'CALLBACK_TOKEN_SECRET', 'missing_setting'],
    [{ CALLBACK_TOKEN_SECRET: `${SECRET},short` }, 'CALLBACK_TOKEN_SECRET', 'bad_setting'],
    [{ TABLESTORE_INSTANCE: undefined }, 'TABLESTORE_INSTANCE', 'missing_setting'],
    [{ ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined }, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'missing_setting'],
    [{ UPLOAD_PART_SIZE_BYTES: '1024' }, 'UPLOAD_PART_SIZE_BYTES', 'bad_setting'],
    [{ UPLOAD_CONCURRENCY: '0' }, 'UPLOAD_CONCURRENCY', 'bad_setting'],
    [{ UPLOAD_PART_CONCURRENCY: 'two' }, 'UPLOAD_PART_CONCURRENCY', 'bad_setting'],
    [{ SOURCE_TIMEOUT_MS: '-5' }, 'SOURCE_TIMEOUT_MS', 'bad_setting'],
    [{ UPLOAD_ALLOW_PRIVATE_SOURCES: 'maybe' }, 'UPLOAD_ALLOW_PRIVATE_SOURCES', 'bad_setting'],
    [{ SOURCE_ALLOW_METADATA: 'sure' }, 'SOURCE_ALLOW_METADATA', 'bad_setting'],
  ];
  for (const [overrides, setting, reason] of cases) {
    const error = configError(overrides);
    assert.equal(error.setting, setting, JSON.stringify(overrides));
    assert.equal(error.reason, reason, JSON.stringify(overrides));
    assert.match(error.message, new RegExp(setting));
  }
});

test('the handler fails the invocation with a message naming the setting', async () => {
  const saved = { ...process.env };
  forgetUploaderInstance();
  try {
    process.env = env({ CALLBACK_URL: undefined });
    const context = {
      requestId: 'req-config',
      credentials: { accessKeyId: '', accessKeySecret: '' },
      function: { name: 'uploader', handler: 'index.handler', memory: 512, timeout: 60 },
      region: 'cn-hangzhou',
      accountId: '1',
      logger: console,
    };
    await assert.rejects(handler(Buffer.from('{}'), context, () => undefined) as Promise<unknown>, /uploader configuration: CALLBACK_URL is not set/);
  } finally {
    process.env = saved;
    forgetUploaderInstance();
  }
});
