// Opening job sources: the SSRF guard (literal addresses, redirects, host names checked
// after resolution), status classification, timeouts, and the inline and oss kinds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import OSS from 'ali-oss';
import { classifyAddress, refusalOf } from '../../../lib/uploader/address-policy';
import type { SourceSettings } from '../../../lib/uploader/config';
import { SourceError } from '../../../lib/uploader/errors';
import { openSource, type OpenedSource } from '../../../lib/uploader/sources';
import type { Resolver } from '../../../lib/uploader/url-source';
import { startOssEmulator, type OssEmulator } from '../../../local/oss/index';
import { startSourceServer, type SourceServer } from '../../support/uploader-stack';

const LOCAL: SourceSettings = { timeoutMs: 500, maxRedirects: 3, addresses: { allowPrivate: true, allowMetadata: false } };

/** Test host names: `*.metadata.test` → 169.254.169.254, `aliyun-meta.test` → 100.100.100.200, `mixed.test` → public + metadata, anything else → 127.0.0.1. */
const resolve: Resolver = async (hostname) => {
  const table: Record<string, LookupAddress[]> = {
    'creds.metadata.test': [{ address: '169.254.169.254', family: 4 }],
    'aliyun-meta.test': [{ address: '100.100.100.200', family: 4 }],
    'mixed.test': [
      { address: '127.0.0.1', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ],
    'v6-metadata.test': [{ address: 'fe80::1', family: 6 }],
  };
  return table[hostname] ?? [{ address: '127.0.0.1', family: 4 }];
};

async function sourceError(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the source to be refused');
}

async function readAll(opened: OpenedSource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function deps(settings: SourceSettings = LOCAL, ossFor: (bucket: string) => OSS = () => assert.fail('no oss expected')) {
  return { settings, ossFor, resolve };
}

describe('address policy', () => {
  test('classifies metadata, private and public addresses, including IPv4-mapped IPv6', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', '100.100.100.200', 'fe80::1', '::ffff:169.254.169.254', 'fd00:ec2::254']) assert.equal(classifyAddress(a), 'metadata', a);
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fd12::1', '::ffff:10.0.0.1', '224.0.0.1']) {
      assert.equal(classifyAddress(a), 'private', a);
    }
    for (const a of ['8.8.8.8', '47.96.0.1', '2400:3200::1', '100.128.0.1']) assert.equal(classifyAddress(a), 'public', a);
  });

  test('allowing private addresses never allows metadata ones', () => {
    const policy = { allowPrivate: true, allowMetadata: false };
    assert.equal(refusalOf('127.0.0.1', policy), undefined);
    assert.match(refusalOf('100.100.100.200', policy) ?? '', /metadata/);
    assert.match(refusalOf('127.0.0.1', { allowPrivate: false, allowMetadata: true }) ?? '', /private/);
    assert.equal(refusalOf('169.254.169.254', { allowPrivate: false, allowMetadata: true }), undefined);
  });
});

describe('url sources', () => {
  let server: SourceServer;
  before(async () => {
    server = await startSourceServer();
  });
  after(() => server.close());

  test('streams the body with its length and type', async () => {
    const opened = await openSource({ url: `${server.url}/bytes/1000` }, deps());
    assert.equal(opened.length, 1000);
    assert.equal(opened.contentType, 'application/x-test-pattern');
    assert.equal((await readAll(opened)).length, 1000);
    const chunked = await openSource({ url: `${server.url}/chunked/1000` }, deps());
    assert.equal(chunked.length, undefined);
  });

  for (const [label, url] of [
    ['169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
    ['100.100.100.200', 'http://100.100.100.200/latest/meta-data/ram/security-credentials/'],
    ['an IPv4-mapped IPv6 literal', 'http://[::ffff:169.254.169.254]/'],
    ['a decimal IPv4 literal', 'http://2852039166/'],
  ] as const) {
    test(`refuses ${label} before connecting`, async () => {
      const error = await sourceError(openSource({ url }, deps()));
      assert.equal(error.reason, 'source_address_refused');
      assert.equal(error.permanent, true);
    });
  }

  test('refuses a redirect to a metadata address', async () => {
    const before = server.requests.length;
    const error = await sourceError(openSource({ url: `${server.url}/redirect?to=${encodeURIComponent('http://100.100.100.200/latest/meta-data/')}` }, deps()));
    assert.equal(error.reason, 'source_address_refused');
    assert.equal(server.requests.length, before + 1, 'only the redirecting request was made');
  });

  test('refuses host names that resolve to metadata addresses, checked after resolution', async () => {
    const port = new URL(server.url).port;
    for (const host of ['creds.metadata.test', 'aliyun-meta.test', 'mixed.test', 'v6-metadata.test']) {
      const before = server.requests.length;
      const error = await sourceError(openSource({ url: `http://${host}:${port}/bytes/10` }, deps()));
      assert.equal(error.reason, 'source_address_refused', host);
      assert.equal(error.permanent, true);
      assert.equal(server.requests.length, before, `${host}: no request reached any server`);
    }
    // …and a redirect to such a name is refused the same way.
    const error = await sourceError(openSource({ url: `${server.url}/redirect?to=${encodeURIComponent(`http://creds.metadata.test:${port}/`)}` }, deps()));
    assert.equal(error.reason, 'source_address_refused');
    // A name resolving to an allowed address works.
    const ok = await openSource({ url: `http://files.test:${port}/bytes/10` }, deps());
    assert.equal((await readAll(ok)).length, 10);
  });

  test('refuses loopback unless private sources are allowed; metadata opens only with its own switch', async () => {
    const strict: SourceSettings = { ...LOCAL, addresses: { allowPrivate: false, allowMetadata: false } };
    const error = await sourceError(openSource({ url: `${server.url}/bytes/10` }, deps(strict)));
    assert.equal(error.reason, 'source_address_refused');
    const port = new URL(server.url).port;
    const viaName = await sourceError(openSource({ url: `http://files.test:${port}/bytes/10` }, deps(strict)));
    assert.equal(viaName.reason, 'source_address_refused');
  });

  test('follows redirects up to the limit', async () => {
    const ok = await openSource({ url: `${server.url}/redirect?to=/bytes/7` }, deps());
    assert.equal((await readAll(ok)).length, 7);
    const error = await sourceError(openSource({ url: `${server.url}/loop` }, deps()));
    assert.equal(error.reason, 'source_too_many_redirects');
    assert.equal(error.permanent, true);
  });

  test('404, 410 and 403 are permanent; 500, 503 and 429 are transient', async () => {
    for (const [status, reason, permanent] of [
      [404, 'source_not_found', true],
      [410, 'source_not_found', true],
      [403, 'source_forbidden', true],
      [400, 'source_http_error', true],
      [500, 'source_http_error', false],
      [503, 'source_http_error', false],
      [429, 'source_http_error', false],
    ] as const) {
      const error = await sourceError(openSource({ url: `${server.url}/status/${status}` }, deps()));
      assert.equal(error.reason, reason, String(status));
      assert.equal(error.permanent, permanent, String(status));
    }
  });

  test('a server that never answers, or stalls mid-body, times out transiently', async () => {
    const hang = await sourceError(openSource({ url: `${server.url}/hang` }, deps()));
    assert.equal(hang.reason, 'source_timeout');
    assert.equal(hang.permanent, false);
    const stalled = await openSource({ url: `${server.url}/stall` }, deps());
    await assert.rejects(readAll(stalled), (error: unknown) => error instanceof SourceError && error.reason === 'source_timeout');
  });

  test('a refused connection is transient; a URL with another scheme is permanent', async () => {
    const closed = await sourceError(openSource({ url: 'http://127.0.0.1:1/x?Signature=not-for-logs' }, deps()));
    assert.equal(closed.reason, 'source_network');
    assert.equal(closed.permanent, false);
    // Node's words, which say what happened; the URL without its query.
    assert.equal(closed.message, 'fetching http://127.0.0.1:1/x failed: connect ECONNREFUSED 127.0.0.1:1');
    const ftp = await sourceError(openSource({ url: `${server.url}/redirect?to=${encodeURIComponent('ftp://example.com/x')}` }, deps()));
    assert.equal(ftp.reason, 'source_url_refused');
  });
});

describe('inline and oss sources', () => {
  let oss: OssEmulator;
  let client: OSS;
  before(async () => {
    oss = await startOssEmulator();
    client = new OSS({ endpoint: oss.url, region: oss.region, authorizationV4: true, bucket: 'src-bucket', accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret });
    await client.putBucket('src-bucket');
    await client.put('a/b.txt', Buffer.from('from oss'), { mime: 'text/plain' });
  });
  after(() => oss.close());

  test('text and base64 have a known length', async () => {
    const text = await openSource({ text: 'héllo' }, deps());
    assert.equal(text.length, 6);
    assert.equal((await readAll(text)).toString(), 'héllo');
    const b64 = await openSource({ base64: Buffer.from([0, 1, 2, 255]).toString('base64') }, deps());
    assert.deepEqual([...(await readAll(b64))], [0, 1, 2, 255]);
  });

  test('an oss object streams with its length and type; a missing one is permanent', async () => {
    const opened = await openSource({ oss: { bucket: 'src-bucket', key: 'a/b.txt' } }, deps(LOCAL, () => client));
    assert.equal(opened.length, 8);
    assert.equal(opened.contentType, 'text/plain');
    assert.equal((await readAll(opened)).toString(), 'from oss');
    const error = await sourceError(openSource({ oss: { bucket: 'src-bucket', key: 'nope' } }, deps(LOCAL, () => client)));
    assert.equal(error.reason, 'source_not_found');
    assert.equal(error.permanent, true);
  });

  test('an OSS 503 on the source object is transient', async () => {
    oss.faults.inject({ operation: 'GetObject', status: 503, code: 'ServiceUnavailable' });
    const error = await sourceError(openSource({ oss: { bucket: 'src-bucket', key: 'a/b.txt' } }, deps(LOCAL, () => client)));
    assert.equal(error.reason, 'source_oss_error');
    assert.equal(error.permanent, false);
  });
});
