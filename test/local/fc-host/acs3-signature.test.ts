// The FC host's ACS3-HMAC-SHA256 check (local/fc-host/acs3-signature.ts) against two
// sources we did not write: the worked example of Alibaba Cloud's "Request syntax and
// signature method V3"
// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
// section "Signature example": RunInstances, secret YourAccessKeySecret; read 2026-12-02),
// and the signer of the official SDK itself (@alicloud/openapi-core 1.0.8,
// `OpenApiUtil.getAuthorization`, which @alicloud/fc20230330 signs with).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'node:querystring';
import { OpenApiUtil } from '@alicloud/openapi-core';
import {
  canonicalQueryV3,
  canonicalRequestV3,
  canonicalUriV3,
  parseAuthorizationV3,
  percentEncodeV3,
  sha256Hex,
  signableHeaderNames,
  signPartsV3,
  stringToSignV3,
  verifyAcs3Request,
  type Acs3Request,
} from '../../../local/fc-host/acs3-signature';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// The documentation example, as printed.
const DOC = {
  headers: {
    host: 'ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action': 'RunInstances',
    'x-acs-version': '2014-05-26',
    'x-acs-date': '2023-10-26T10:22:32Z',
    'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': EMPTY_SHA256,
  },
  query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
  stringToSign: 'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
  authorization:
    'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
};
const DOC_KEY = { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' };

/** The SDK's own Authorization for a request (getAuthorization reads only method, pathname, query and headers). */
function sdkAuthorization(request: { method: string; pathname: string; query: Record<string, string>; headers: Record<string, string> }, payloadHash: string, key: { accessKeyId: string; accessKeySecret: string }): string {
  type SdkRequest = Parameters<typeof OpenApiUtil.getAuthorization>[0];
  return OpenApiUtil.getAuthorization(request as unknown as SdkRequest, 'ACS3-HMAC-SHA256', payloadHash, key.accessKeyId, key.accessKeySecret);
}

function docRequest(changes: { headers?: Record<string, string | undefined>; url?: string; body?: string } = {}): Acs3Request {
  const headers: Record<string, string | undefined> = { ...DOC.headers, authorization: DOC.authorization, ...changes.headers };
  return {
    method: 'POST',
    url: changes.url ?? '/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    headers,
    body: Buffer.from(changes.body ?? ''),
  };
}

describe('ACS3 check: the documentation example', () => {
  test('canonical request, string to sign and signature are the documented ones', () => {
    const parts = {
      method: 'POST',
      canonicalUri: '/',
      canonicalQuery: canonicalQueryV3(DOC.query),
      headers: DOC.headers,
      signedHeaders: signableHeaderNames(DOC.headers),
      payloadHash: sha256Hex(''),
    };
    assert.equal(parts.payloadHash, EMPTY_SHA256);
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
    assert.equal(stringToSignV3(canonical), DOC.stringToSign);
    assert.equal(signPartsV3(parts, DOC_KEY.accessKeySecret), parseAuthorizationV3(DOC.authorization)?.signature);
  });

  test('the documented request passes; any change to what it signs does not', () => {
    assert.equal(verifyAcs3Request(docRequest(), DOC_KEY), undefined);
    const mismatch = (r: Acs3Request) => verifyAcs3Request(r, DOC_KEY)?.code;
    assert.equal(mismatch(docRequest({ url: '/?ImageId=other&RegionId=cn-shanghai' })), 'SignatureNotMatch');
    assert.equal(mismatch(docRequest({ headers: { 'x-acs-date': '2023-10-26T10:22:33Z' } })), 'SignatureNotMatch');
    assert.equal(mismatch(docRequest({ headers: { host: 'ecs.cn-hangzhou.aliyuncs.com' } })), 'SignatureNotMatch');
    assert.equal(mismatch(docRequest({ body: 'x' })), 'SignatureNotMatch');
    assert.equal(verifyAcs3Request(docRequest(), { ...DOC_KEY, accessKeySecret: 'other' })?.code, 'SignatureNotMatch');
    assert.equal(verifyAcs3Request(docRequest(), { ...DOC_KEY, accessKeyId: 'other' })?.code, 'InvalidAccessKeyID');
  });

  test('the SDK signs the documented request to the documented signature', () => {
    assert.equal(sdkAuthorization({ method: 'POST', pathname: '/', query: DOC.query, headers: DOC.headers }, EMPTY_SHA256, DOC_KEY), DOC.authorization);
  });
});

describe('ACS3 check: what the SDK signs', () => {
  // An FC 3.0 invocation as @alicloud/fc20230330 4.7.6 builds it (invokeFunctionWithOptions
  // and openapi-core's doRequest), with the STS headers and an unsigned x-fc header.
  const body = '{"jobId":"a b"}';
  const headers: Record<string, string> = {
    host: '1234567890123456.cn-hangzhou.fc.aliyuncs.com',
    'x-acs-version': '2023-03-30',
    'x-acs-action': 'InvokeFunction',
    'user-agent': 'AlibabaCloud (linux; x64) Node.js/v20 Core/1.0.1 TeaDSL/2',
    'x-acs-date': '2026-12-02T10:00:00Z',
    'x-acs-signature-nonce': 'abc123',
    accept: 'application/json',
    'x-fc-invocation-type': 'Async',
    'content-type': 'application/octet-stream',
    'x-acs-content-sha256': sha256Hex(body),
    'x-acs-credentials-provider': 'static_sts',
    'x-acs-accesskey-id': 'STS.key',
    'x-acs-security-token': 'T0ken-value',
  };
  const query = { qualifier: 'LATEST' };
  const key = { accessKeyId: 'STS.key', accessKeySecret: 'S3cr3t-value', securityToken: 'T0ken-value' };
  const signFc = (h: Record<string, string>, pathname = '/2023-03-30/functions/my-fn/invocations', q: Record<string, string> = query) =>
    sdkAuthorization({ method: 'POST', pathname, query: q, headers: h }, sha256Hex(body), key);

  test('an SDK-signed invocation passes, signing content-type, host and every x-acs-* header but not x-fc-*', () => {
    const authorization = signFc(headers);
    assert.deepEqual(parseAuthorizationV3(authorization)?.signedHeaders, [
      'content-type',
      'host',
      'x-acs-accesskey-id',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-credentials-provider',
      'x-acs-date',
      'x-acs-security-token',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]);
    const request = { method: 'POST', url: '/2023-03-30/functions/my-fn/invocations?qualifier=LATEST', headers: { ...headers, authorization }, body: Buffer.from(body) };
    assert.equal(verifyAcs3Request(request, key), undefined);
    // x-fc-invocation-type is not signed: changing it does not break the signature.
    assert.equal(verifyAcs3Request({ ...request, headers: { ...request.headers, 'x-fc-invocation-type': 'Sync' } }, key), undefined);
  });

  test('query values and path segments the SDK encodes are read back the same way', () => {
    const q = { qualifier: 'my alias*~' };
    const authorization = signFc(headers, '/2023-03-30/functions/my_fn-2/invocations', q);
    // What the SDK puts on the wire (@darabonba/typescript buildURL: querystring.stringify).
    const url = `/2023-03-30/functions/my_fn-2/invocations?${stringify(q)}`;
    assert.equal(verifyAcs3Request({ method: 'POST', url, headers: { ...headers, authorization }, body: Buffer.from(body) }, key), undefined);
  });

  test('a temporary key needs its token; an x-acs-* header added unsigned is refused', () => {
    const authorization = signFc(headers);
    const request = { method: 'POST', url: '/2023-03-30/functions/my-fn/invocations?qualifier=LATEST', headers: { ...headers, authorization }, body: Buffer.from(body) };
    assert.equal(verifyAcs3Request(request, { ...key, securityToken: 'another' })?.code, 'AccessDenied');
    const { 'x-acs-security-token': _t, ...withoutToken } = headers;
    const unsignedToken = { ...request, headers: { ...withoutToken, authorization: signFc(withoutToken) } };
    assert.equal(verifyAcs3Request(unsignedToken, key)?.code, 'AccessDenied');
    const extra = verifyAcs3Request({ ...request, headers: { ...request.headers, 'x-acs-extra': '1' } }, key);
    assert.equal(extra?.code, 'SignatureNotMatch');
    assert.match(extra?.message ?? '', /header x-acs-extra is not signed/);
  });

  test('missing headers and other schemes are refused with FC codes; no secret in any message', () => {
    const authorization = signFc(headers);
    const base = { method: 'POST', url: '/2023-03-30/functions/my-fn/invocations?qualifier=LATEST', body: Buffer.from(body) };
    assert.deepEqual(verifyAcs3Request({ ...base, headers }, key), { status: 400, code: 'MissingRequiredHeader', message: 'required HTTP header Authorization was not specified' });
    const { 'x-acs-date': _d, ...noDate } = headers;
    assert.equal(verifyAcs3Request({ ...base, headers: { ...noDate, authorization } }, key)?.message, 'required HTTP header x-acs-date was not specified');
    const fc2 = verifyAcs3Request({ ...base, headers: { ...headers, authorization: 'FC STS.key:c2ln' } }, key);
    assert.equal(fc2?.status, 403);
    assert.equal(fc2?.code, 'SignatureNotMatch');
    const wrongToken = verifyAcs3Request({ ...base, headers: { ...headers, authorization } }, { ...key, securityToken: 'Other-T0ken' });
    const wrongSecret = verifyAcs3Request({ ...base, headers: { ...headers, authorization } }, { ...key, accessKeySecret: 'Other-S3cr3t' });
    for (const refusal of [fc2, wrongToken, wrongSecret]) {
      assert.ok(refusal);
      assert.doesNotMatch(refusal.message, /S3cr3t|T0ken|Signature=/);
    }
  });
});

describe('ACS3 pieces', () => {
  test('percent-encoding keeps only unreserved characters, space is %20, * is %2A, ~ stays', () => {
    assert.equal(percentEncodeV3("a b*c~d!'()é/"), 'a%20b%2Ac~d%21%27%28%29%C3%A9%2F');
    assert.equal(canonicalUriV3('/2023-03-30/functions/my fn/invocations'), '/2023-03-30/functions/my%20fn/invocations');
  });

  test('query parameters are encoded, then sorted by name and value', () => {
    assert.equal(canonicalQueryV3({ b: 'x y', a: ['2', '1'], 'c*': '' }), 'a=1&a=2&b=x%20y&c%2A=');
    assert.equal(canonicalQueryV3(undefined), '');
  });

  test('signable headers: host, content-type and x-acs-*, lowercase and sorted; values trimmed', () => {
    const h = { Host: 'h', 'Content-Type': 'application/octet-stream', 'X-Acs-Date': ' d ', accept: '*/*', 'x-fc-invocation-type': 'Async' };
    assert.deepEqual(signableHeaderNames(h), ['content-type', 'host', 'x-acs-date']);
    const canonical = canonicalRequestV3({ method: 'post', canonicalUri: '/', canonicalQuery: '', headers: h, signedHeaders: ['x-acs-date', 'host'], payloadHash: 'p' });
    assert.equal(canonical, 'POST\n/\n\nhost:h\nx-acs-date:d\n\nhost;x-acs-date\np');
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
});
