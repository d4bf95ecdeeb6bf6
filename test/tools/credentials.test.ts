// tools/credentials.ts in-process: the default chain of @alicloud/credentials reading
// a temporary HOME, the environment and a local credentials URI, and the errors when
// nothing is usable. The SDK reads process.env and the home directory itself, so each
// test sets them (node:test runs this file alone in its process, one test at a time).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsError, resolveCredentials } from '../../tools/credentials';
import { closeServer, listen } from '../../local/serve';

const saved = { ...process.env };
let root: string;
let home: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'tool-credentials-'));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

beforeEach((t) => {
  for (const name of Object.keys(process.env)) if (name.startsWith('ALIBABA_CLOUD_')) delete process.env[name];
  home = join(root, t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60));
  mkdirSync(home, { recursive: true });
  process.env.HOME = home;
  // Tests must not depend on the machine they run on (an ECS instance would answer).
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
});

afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

/** Writes the Alibaba Cloud CLI's config (its own JSON format: `current`, `profiles`). */
function cliConfig(config: unknown): void {
  mkdirSync(join(home, '.aliyun'), { recursive: true });
  writeFileSync(join(home, '.aliyun', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
}

/** Writes ~/.alibabacloud/credentials (INI, as src/providers/profile.ts reads it). */
function credentialsFile(text: string, path = join(home, '.alibabacloud', 'credentials')): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

async function failure(): Promise<CredentialsError> {
  try {
    await resolveCredentials();
  } catch (err) {
    assert.ok(err instanceof CredentialsError, String(err));
    return err;
  }
  assert.fail('expected no credentials');
}

describe('the default chain', () => {
  test('environment variables, with an STS token', async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'STS.env-key';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'env-secret';
    process.env.ALIBABA_CLOUD_SECURITY_TOKEN = 'env-token';
    const found = await resolveCredentials();
    assert.deepEqual(found.credentials, { accessKeyId: 'STS.env-key', accessKeySecret: 'env-secret', securityToken: 'env-token' });
    assert.equal(found.provider, 'default/env');
    assert.match(found.source, /^environment variables/);
    // The SDK client hands out the same keys (what @alicloud/fc20230330 signs with).
    assert.equal((await found.client.getCredential()).accessKeyId, 'STS.env-key');
  });

  test('the environment wins over profile files', async () => {
    cliConfig({ current: 'p', profiles: [{ name: 'p', mode: 'AK', access_key_id: 'LTAIcli', access_key_secret: 'cli-secret' }] });
    credentialsFile('[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n');
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAIenv';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'env-secret';
    assert.equal((await resolveCredentials()).credentials.accessKeyId, 'LTAIenv');
  });

  test("the CLI's ~/.aliyun/config.json: its current profile, or ALIBABA_CLOUD_PROFILE's; StsToken profiles carry the token", async () => {
    cliConfig({
      current: 'main',
      profiles: [
        { name: 'main', mode: 'AK', access_key_id: 'LTAImain', access_key_secret: 'main-secret' },
        { name: 'temp', mode: 'StsToken', access_key_id: 'STS.temp', access_key_secret: 'temp-secret', sts_token: 'temp-token' },
      ],
    });
    credentialsFile('[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n');
    const current = await resolveCredentials();
    assert.deepEqual(current.credentials, { accessKeyId: 'LTAImain', accessKeySecret: 'main-secret' });
    assert.equal(current.provider, 'default/cli_profile');
    assert.equal(current.source, `Alibaba Cloud CLI profile ${join(home, '.aliyun', 'config.json')}`);
    process.env.ALIBABA_CLOUD_PROFILE = 'temp';
    assert.deepEqual((await resolveCredentials()).credentials, { accessKeyId: 'STS.temp', accessKeySecret: 'temp-secret', securityToken: 'temp-token' });
  });

  test('~/.alibabacloud/credentials, profile default, or ALIBABA_CLOUD_CREDENTIALS_FILE', async () => {
    credentialsFile('[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n');
    const found = await resolveCredentials();
    assert.deepEqual(found.credentials, { accessKeyId: 'LTAIini', accessKeySecret: 'ini-secret' });
    assert.equal(found.provider, 'default/profile');
    assert.equal(found.source, `credentials file ${join(home, '.alibabacloud', 'credentials')}`);

    const elsewhere = join(home, 'elsewhere.ini');
    credentialsFile('[ci]\ntype = access_key\naccess_key_id = LTAIci\naccess_key_secret = ci-secret\n', elsewhere);
    process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = elsewhere;
    process.env.ALIBABA_CLOUD_PROFILE = 'ci';
    const chosen = await resolveCredentials();
    assert.equal(chosen.credentials.accessKeyId, 'LTAIci');
    assert.equal(chosen.source, `credentials file ${elsewhere}`);
  });

  describe('a credentials URI (the last source of the chain)', () => {
    let server: Server;
    let url: string;
    let answer: 'credentials' | 'never';

    before(async () => {
      server = createServer((req, res) => {
        if (answer === 'never') return; // holds the request open
        // The shape src/providers/uri.ts reads: AccessKeyId, AccessKeySecret, SecurityToken, Expiration.
        const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Code: 'Success', AccessKeyId: 'STS.uri', AccessKeySecret: 'uri-secret', SecurityToken: 'uri-token', Expiration: expiration }));
      });
      url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/credentials`;
    });

    after(async () => {
      server.closeAllConnections();
      await closeServer(server);
    });

    test('is reached when nothing before it has credentials', async () => {
      answer = 'credentials';
      process.env.ALIBABA_CLOUD_CREDENTIALS_URI = url;
      const found = await resolveCredentials();
      assert.deepEqual(found.credentials, { accessKeyId: 'STS.uri', accessKeySecret: 'uri-secret', securityToken: 'uri-token' });
      assert.equal(found.provider, 'default/credential_uri');
    });

    test('a source that does not answer is cut off, and the error still lists every place', async () => {
      answer = 'never';
      process.env.ALIBABA_CLOUD_CREDENTIALS_URI = url;
      try {
        await resolveCredentials({ timeoutMs: 300 });
        assert.fail('expected a time-out');
      } catch (err) {
        assert.ok(err instanceof CredentialsError);
        assert.equal(err.reason, 'credentials_lookup_timed_out');
        assert.equal(err.places.length, 6);
        assert.match(err.message, /within 0\.3 s/);
        assert.match(err.places[5]!, /ALIBABA_CLOUD_CREDENTIALS_URI: set, but gave no credentials/);
      }
    });
  });
});

describe('no usable credentials', () => {
  test('nothing anywhere: no_credentials, naming every place of the chain in order', async () => {
    const err = await failure();
    assert.equal(err.reason, 'no_credentials');
    assert.deepEqual(err.places, [
      '1. environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN): not set',
      '2. OIDC role: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE: not set',
      `3. Alibaba Cloud CLI profile ${join(home, '.aliyun', 'config.json')}: no such file`,
      `4. credentials file ${join(home, '.alibabacloud', 'credentials')}: no such file`,
      '5. ECS RAM role from the instance metadata service (100.100.100.200): disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true',
      '6. credentials URI ALIBABA_CLOUD_CREDENTIALS_URI: not set',
    ]);
    for (const place of err.places) assert.ok(err.message.includes(place), place);
  });

  test('a malformed CLI config is named but never quoted (it may hold secrets)', async () => {
    cliConfig('{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_secret":"LEAKED-SECRET"');
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAIonly-half';
    const err = await failure();
    assert.equal(err.reason, 'no_credentials');
    assert.match(err.places[0]!, /ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set/);
    assert.match(err.places[2]!, /config\.json: present, but its current profile gave no credentials/);
    assert.doesNotMatch(err.message, /LEAKED-SECRET/);
  });

  test('an STS key without its token: incomplete_credentials, naming where it came from', async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'STS.no-token';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'sts-secret';
    const err = await failure();
    assert.equal(err.reason, 'incomplete_credentials');
    assert.match(err.message, /temporary \(STS\) access key from environment variables .* without its security token/);
    assert.doesNotMatch(err.message, /sts-secret/);
  });
});
