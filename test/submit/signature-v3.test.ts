// ACS3-HMAC-SHA256 (lib/fc/signature-v3.ts) against the worked example of Alibaba Cloud's
// "Request syntax and signature method V3"
// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
// section "Signature example": RunInstances, secret YourAccessKeySecret).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  acsDate,
  canonicalQueryV3,
  canonicalRequestV3,
  canonicalUriV3,
  parseAuthorizationV3,
  percentEncodeV3,
  sha256Hex,
  signableHeaderNames,
  signPartsV3,
  signRequestV3,
  stringToSignV3,
} from '../../lib/fc/signature-v3';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('V3 signature: the documentation example', () => {
  const headers = {
    host: 'ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action': 'RunInstances',
    'x-acs-version': '2014-05-26',
    'x-acs-date': '2023-10-26T10:22:32Z',
    'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': EMPTY_SHA256,
  };
  const query = { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' };

  test('canonical request hash and signature match the documented values', () => {
    const parts = {
      method: 'POST',
      canonicalUri: '/',
      canonicalQuery: canonicalQueryV3(query),
      headers,
      signedHeaders: signableHeaderNames(headers),
      payloadHash: sha256Hex(''),
    };
    assert.equal(parts.payloadHash, EMPTY_SHA256);
    assert.deepEqual(parts.signedHeaders, ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']);
    const canonical = canonicalRequestV3(parts);
    assert.equal(
      canonical,
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:' + EMPTY_SHA256 +
          '\nx-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_SHA256,
      ].join('\n'),
    );
    assert.equal(stringToSignV3(canonical), 'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    assert.equal(signPartsV3(parts, 'YourAccessKeySecret'), '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  test('signRequestV3 produces the documented Authorization header', () => {
    const { 'x-acs-content-sha256': _hash, ...toSign } = headers;
    const signed = signRequestV3({ method: 'POST', path: '/', query, headers: toSign, body: '', accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' });
    assert.equal(
      signed.headers.authorization,
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    assert.equal(signed.pathAndQuery, '/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai');
  });
});

describe('V3 signature: pieces', () => {
  test('percent-encoding keeps only unreserved characters, space is %20, * is %2A, ~ stays', () => {
    assert.equal(percentEncodeV3("a b*c~d!'()é/"), 'a%20b%2Ac~d%21%27%28%29%C3%A9%2F');
    assert.equal(canonicalUriV3('/2023-03-30/functions/my fn/invocations'), '/2023-03-30/functions/my%20fn/invocations');
  });

  test('query parameters are encoded, then sorted by name and value', () => {
    assert.equal(canonicalQueryV3({ b: 'x y', a: ['2', '1'], 'c*': '' }), 'a=1&a=2&b=x%20y&c%2A=');
    assert.equal(canonicalQueryV3(undefined), '');
  });

  test('signed headers: host, content-type and x-acs-*, lowercase and sorted; values trimmed', () => {
    const headers = { Host: 'h', 'Content-Type': 'application/octet-stream', 'X-Acs-Date': ' d ', accept: '*/*', 'x-fc-invocation-type': 'Async' };
    assert.deepEqual(signableHeaderNames(headers), ['content-type', 'host', 'x-acs-date']);
    const canonical = canonicalRequestV3({ method: 'post', canonicalUri: '/', canonicalQuery: '', headers, signedHeaders: ['x-acs-date', 'host'], payloadHash: 'p' });
    assert.equal(canonical, 'POST\n/\n\nhost:h\nx-acs-date:d\n\nhost;x-acs-date\np');
  });

  test('the signature is hex HMAC-SHA256 of the string to sign (independent computation)', () => {
    const parts = { method: 'POST', canonicalUri: '/x', canonicalQuery: 'q=1', headers: { host: 'h' }, signedHeaders: ['host'], payloadHash: sha256Hex('body') };
    const canonical = `POST\n/x\nq=1\nhost:h\n\nhost\n${createHash('sha256').update('body').digest('hex')}`;
    const expected = createHmac('sha256', 'secret').update(`ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`).digest('hex');
    assert.equal(signPartsV3(parts, 'secret'), expected);
  });

  test('an STS token is sent and signed as x-acs-security-token', () => {
    const signed = signRequestV3({
      method: 'POST',
      path: '/p',
      headers: { host: 'h', 'x-acs-date': '2024-01-01T00:00:00Z' },
      body: 'b',
      accessKeyId: 'STS.id',
      accessKeySecret: 's',
      securityToken: 'tok',
    });
    assert.equal(signed.headers['x-acs-security-token'], 'tok');
    assert.deepEqual(parseAuthorizationV3(signed.headers.authorization)?.signedHeaders, ['host', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-security-token']);
  });

  test('Authorization parsing accepts the V3 form only', () => {
    assert.deepEqual(parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=ab12'), {
      accessKeyId: 'id',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ab12',
    });
    assert.equal(parseAuthorizationV3('FC id:sig'), undefined);
    assert.equal(parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=id,Signature=ab'), undefined);
    assert.equal(parseAuthorizationV3(undefined), undefined);
  });

  test('x-acs-date is ISO 8601 UTC to the second', () => {
    assert.equal(acsDate(new Date(Date.UTC(2023, 9, 26, 10, 22, 32, 987))), '2023-10-26T10:22:32Z');
  });
});
