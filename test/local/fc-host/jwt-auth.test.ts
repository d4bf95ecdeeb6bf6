// The FC host's JWT check of HTTP triggers: RFC 7515's own RS256 example verifies, the
// fc3 component's object and string configuration forms, where the token is read from,
// and every refusal (missing, misplaced, expired, badly signed, another key, other
// algorithms); claim headers replace any the client sent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkJwt, compileJwtAuth, withClaimHeaders, type JwtAuthConfig, type JwtRequest } from '../../../local/fc-host/jwt-auth';
import { createDevJwtIssuer, signJwt } from '../../../local/ticket/dev-auth';
import { generateKeyPairSync } from 'node:crypto';

const rfc = JSON.parse(readFileSync(new URL('../../conformance/jwt/rfc7515-a2.json', import.meta.url), 'utf8')) as { jwk: { n: string; e: string }; jws: string };

function request(overrides: Partial<JwtRequest> = {}): JwtRequest {
  return { method: 'POST', path: '/tickets', headers: {}, query: new URLSearchParams(), body: Buffer.alloc(0), ...overrides };
}

const issuer = createDevJwtIssuer();
const headerConfig: JwtAuthConfig = {
  jwks: issuer.jwks,
  tokenLookup: [{ readPosition: 'header', parameterName: 'Authorization', prefix: 'Bearer ' }],
  claimPassBy: [{ claimName: 'sub', mappingParameterName: 'x-user-id', mappingParameterPosition: 'header' }],
};
const check = compileJwtAuth(headerConfig);
const bearer = (token: string): JwtRequest => request({ headers: { authorization: `Bearer ${token}` } });

describe('FC host: JWT authentication of an HTTP trigger', () => {
  test('RFC 7515 A.2: the RFC\'s RS256 JWS verifies with the RFC\'s key (before its exp), and is expired after it', () => {
    const rfcCheck = compileJwtAuth({ jwks: { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', ...rfc.jwk }] }, tokenLookup: 'header:Authorization:Bearer ', claimPassBy: 'header:iss:x-issuer' });
    const before = checkJwt(rfcCheck, bearer(rfc.jws), Date.UTC(2011, 0, 1));
    assert.deepEqual(before, { ok: true, claimHeaders: { 'x-issuer': 'joe' } });
    assert.equal((checkJwt(rfcCheck, bearer(rfc.jws)) as { reason: string }).reason, 'token_expired');
    const tampered = rfc.jws.replace(/\.[^.]+\./, `.${Buffer.from('{"iss":"eve","exp":1300819380}').toString('base64url')}.`);
    assert.equal((checkJwt(rfcCheck, bearer(tampered), Date.UTC(2011, 0, 1)) as { reason: string }).reason, 'signature_invalid');
  });

  test('a valid token passes and its sub claim becomes the x-user-id header', () => {
    assert.deepEqual(checkJwt(check, bearer(issuer.mint('u-42'))), { ok: true, claimHeaders: { 'x-user-id': 'u-42' } });
  });

  test('refusals: missing, without the Bearer prefix, in the query instead of the header, expired, not yet valid, malformed', () => {
    const token = issuer.mint('u-42');
    const reason = (req: JwtRequest): string | undefined => {
      const outcome = checkJwt(check, req);
      return outcome.ok ? undefined : outcome.reason;
    };
    assert.equal(reason(request()), 'token_missing');
    assert.equal(reason(request({ headers: { authorization: token } })), 'token_missing');
    assert.equal(reason(request({ method: 'GET', query: new URLSearchParams({ Authorization: token }) })), 'token_missing');
    assert.equal(reason(request({ headers: { cookie: `Authorization=${token}` } })), 'token_missing');
    assert.equal(reason(bearer(issuer.mint('u-42', { ttlSeconds: -1 }))), 'token_expired');
    assert.equal(reason(bearer(issuer.mint('u-42', { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }))), 'token_not_yet_valid');
    assert.equal(reason(bearer('not.a.jwt')), 'token_malformed');
    assert.equal(reason(bearer('onlyone')), 'token_malformed');
  });

  test('refusals: signed by another key, naming an unknown kid, HS256 or none, a payload changed after signing', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = issuer.jwks.keys[0]!.kid!;
    const exp = Math.floor(Date.now() / 1000) + 600;
    const reason = (token: string): string => {
      const outcome = checkJwt(check, bearer(token));
      return outcome.ok ? 'ok' : outcome.reason;
    };
    assert.equal(reason(signJwt(other.privateKey, kid, { sub: 'u-42', exp })), 'signature_invalid');
    assert.equal(reason(signJwt(other.privateKey, 'someone-else', { sub: 'u-42', exp })), 'key_not_found');
    assert.equal(reason(signJwt(other.privateKey, undefined, { sub: 'u-42', exp })), 'key_not_found');
    const segment = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    assert.equal(reason(`${segment({ alg: 'HS256', kid })}.${segment({ sub: 'u-42', exp })}.c2ln`), 'algorithm_not_supported');
    assert.equal(reason(`${segment({ alg: 'none' })}.${segment({ sub: 'u-42', exp })}.`), 'token_malformed');
    const [h, , s] = issuer.mint('u-42').split('.');
    assert.equal(reason(`${h}.${segment({ sub: 'admin', exp })}.${s}`), 'signature_invalid');
  });

  test('the string form the fc3 component sends FC, cookie / query (GET) / form (POST) lookups, and a whitelist', () => {
    const token = issuer.mint('u-7');
    const many = compileJwtAuth({ jwks: issuer.jwks, tokenLookup: 'cookie:session,query:token,form:token', claimPassBy: 'header:sub:x-user-id', whitelist: ['/health', '/public/*'] });
    assert.equal(checkJwt(many, request({ headers: { cookie: `a=b; session=${token}` } })).ok, true);
    assert.equal(checkJwt(many, request({ method: 'GET', query: new URLSearchParams({ token }) })).ok, true);
    assert.equal(checkJwt(many, request({ method: 'POST', query: new URLSearchParams({ token }) })).ok, false);
    assert.equal(checkJwt(many, request({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(`a=1&token=${token}`) })).ok, true);
    assert.deepEqual(checkJwt(many, request({ path: '/public/x' })), { ok: true, claimHeaders: {} });
    assert.equal(checkJwt(many, request({ path: '/health/x' })).ok, false);
  });

  test('configurations FC would refuse, or the host does not emulate, fail at start', () => {
    const bad: JwtAuthConfig[] = [
      { ...headerConfig, jwks: { keys: [] } },
      { ...headerConfig, jwks: { keys: [{ ...issuer.jwks.keys[0]!, alg: 'ES256' }] } },
      { ...headerConfig, jwks: { keys: [{ ...issuer.jwks.keys[0]!, kid: undefined }, { ...issuer.jwks.keys[0]!, kid: undefined }] } },
      { ...headerConfig, tokenLookup: [] },
      { ...headerConfig, claimPassBy: [{ claimName: 'sub', mappingParameterName: 'uid', mappingParameterPosition: 'cookie' }] },
      { ...headerConfig, whitelist: ['/a'], blacklist: ['/b'] },
    ];
    for (const config of bad) assert.throws(() => compileJwtAuth(config), /JWT trigger/, JSON.stringify(config).slice(0, 80));
  });

  test('claim headers replace any header of that name the client sent, in any letter case', () => {
    const headers = { 'X-User-Id': 'forged', 'x-user-id': 'forged too', Accept: '*/*' };
    assert.deepEqual(withClaimHeaders(headers, check, { 'x-user-id': 'u-42' }), { Accept: '*/*', 'X-User-Id': 'u-42' });
    // A token without the claim: the forged header is still dropped.
    assert.deepEqual(withClaimHeaders(headers, check, {}), { Accept: '*/*' });
  });
});
