/**
 * JWT authentication of an HTTP trigger, done by the host before the function runs, as
 * FC does for a trigger with `authType: jwt` ("Configure JWT authentication for an HTTP
 * trigger", https://www.alibabacloud.com/help/en/functioncompute/fc/configure-jwt-authentication-for-an-http-trigger,
 * and its Chinese edition https://help.aliyun.com/zh/fc/user-guide/configure-jwt-authentication-for-an-http-trigger,
 * both read 2026-12-02):
 * - the trigger's JWKS verifies the token; a JWK without `kid` is allowed (at most one),
 *   and a token naming a `kid` is verified with that key;
 * - the token is read from a header (with a prefix to strip, e.g. `Bearer `), a query
 *   parameter (GET), a form parameter (POST) or a cookie, trying the configured places in
 *   order and verifying the first token found;
 * - claims can be passed to the function as headers (also cookies or form parameters in
 *   FC; only headers here);
 * - a whitelist of paths skips the check, or a blacklist limits it to those paths
 *   (exact, or a prefix ending in `*`).
 * The configuration is the fc3 component's `authConfig` (test/fixtures/fc3/schema.json,
 * IHttpTriggerConfig), in its object form or the string form the component sends FC
 * (`header:Authorization:Bearer `, `header:sub:x-user-id`; devsapp/fc3
 * src/interface/trigger.ts, convertIHttpTriggerConfig).
 *
 * Only RS256 is verified here (FC supports more algorithms). What FC answers a refused
 * request is not in those pages; the host answers 401 with its usual error JSON and a
 * message naming the problem (listed as unverified in README.md).
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { FcHostConfigError } from './errors';
import { canonicalHeaderName, type HttpAnswer } from './http-trigger';
import { apiError } from './invoke-api';

/** One JWK of the trigger's public key set, as the fc3 schema lists its fields. */
export interface TriggerJwk {
  kty: string;
  alg: string;
  use: string;
  n: string;
  e: string;
  kid?: string;
}

/** Where to look for the token. */
export interface TokenLookup {
  readPosition: 'header' | 'cookie' | 'query' | 'form';
  parameterName: string;
  /** Stripped from a header's value; FC wants it to end with a space (`Bearer `). */
  prefix?: string;
}

/** Which claim goes to the function, and as what. */
export interface ClaimPassBy {
  claimName?: string;
  mappingParameterName: string;
  mappingParameterPosition: 'header' | 'cookie' | 'form';
}

/** The `authConfig` of a JWT trigger (fc3 schema, IHttpTriggerConfig.authConfig). */
export interface JwtAuthConfig {
  jwks: { keys: TriggerJwk[] };
  tokenLookup: TokenLookup[] | string;
  claimPassBy?: ClaimPassBy[] | string;
  whitelist?: string[];
  blacklist?: string[];
}

/** A trigger's JWT check, ready to run. */
export interface JwtCheck {
  keys: { kid?: string; key: KeyObject }[];
  lookups: TokenLookup[];
  /** Claim → lower-case header name. */
  claimHeaders: { claim: string; header: string }[];
  whitelist?: string[];
  blacklist?: string[];
}

/** What the check needs from a request. */
export interface JwtRequest {
  method: string;
  /** The path, decoded. */
  path: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: Buffer;
}

export type JwtRefusalReason = 'token_missing' | 'token_malformed' | 'algorithm_not_supported' | 'key_not_found' | 'signature_invalid' | 'token_expired' | 'token_not_yet_valid';

/** The outcome of a check: pass (with the claim headers to set) or refuse. */
export type JwtOutcome = { ok: true; claimHeaders: Record<string, string> } | { ok: false; reason: JwtRefusalReason; message: string };

function parseLookups(value: JwtAuthConfig['tokenLookup']): TokenLookup[] {
  if (Array.isArray(value)) return value;
  return value
    .split(',')
    .filter((item) => item !== '')
    .map((item) => {
      const [position, name, ...rest] = item.split(':');
      return { readPosition: position as TokenLookup['readPosition'], parameterName: name ?? '', ...(rest.length > 0 ? { prefix: rest.join(':') } : {}) };
    });
}

function parseClaims(value: JwtAuthConfig['claimPassBy']): ClaimPassBy[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return value
    .split(',')
    .filter((item) => item !== '' && item !== 'query::')
    .map((item) => {
      const [position, claim, name] = item.split(':');
      return { claimName: claim ?? '', mappingParameterName: name ?? '', mappingParameterPosition: position as ClaimPassBy['mappingParameterPosition'] };
    });
}

/**
 * Checks a trigger's JWT configuration and makes its key objects. Throws
 * FcHostConfigError for what FC would not accept, or what the host does not emulate.
 *
 * @example const check = compileJwtAuth({ jwks, tokenLookup: [{ readPosition: 'header', parameterName: 'Authorization', prefix: 'Bearer ' }], claimPassBy: [{ claimName: 'sub', mappingParameterName: 'x-user-id', mappingParameterPosition: 'header' }] });
 */
export function compileJwtAuth(config: JwtAuthConfig): JwtCheck {
  const bad = (message: string): never => {
    throw new FcHostConfigError('invalid_function_spec', `JWT trigger: ${message}`);
  };
  if (!config.jwks || !Array.isArray(config.jwks.keys) || config.jwks.keys.length === 0) bad('jwks.keys must list at least one key');
  if (config.whitelist && config.blacklist) bad('whitelist and blacklist cannot both be set');
  const keys = config.jwks.keys.map((jwk) => {
    if (jwk.kty !== 'RSA' || jwk.alg !== 'RS256' || jwk.use !== 'sig') bad('only RSA keys for RS256 signatures (use: sig) are emulated');
    try {
      return { ...(jwk.kid ? { kid: jwk.kid } : {}), key: createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e } as JsonWebKey, format: 'jwk' }) };
    } catch {
      return bad(`key ${jwk.kid ?? '(no kid)'} is not a valid RSA public key`);
    }
  });
  if (keys.filter((k) => k.kid === undefined).length > 1) bad('at most one key may have no kid');
  const lookups = parseLookups(config.tokenLookup);
  if (lookups.length === 0) bad('tokenLookup must name where the token is');
  for (const l of lookups) {
    if (!['header', 'cookie', 'query', 'form'].includes(l.readPosition) || !l.parameterName) bad(`tokenLookup ${JSON.stringify(l)} is not header, cookie, query or form with a name`);
  }
  const claimHeaders = parseClaims(config.claimPassBy).map((c) => {
    if (c.mappingParameterPosition !== 'header') bad('claims can only be passed as headers here (FC also passes cookies and form parameters)');
    if (!/^[A-Za-z0-9-]+$/.test(c.mappingParameterName)) bad(`claim header ${JSON.stringify(c.mappingParameterName)} is not a header name`);
    return { claim: c.claimName || c.mappingParameterName, header: c.mappingParameterName.toLowerCase() };
  });
  return { keys, lookups, claimHeaders, ...(config.whitelist ? { whitelist: config.whitelist } : {}), ...(config.blacklist ? { blacklist: config.blacklist } : {}) };
}

function pathMatches(patterns: string[], path: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function cookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function findToken(check: JwtCheck, req: JwtRequest): string | undefined {
  for (const lookup of check.lookups) {
    let value: string | undefined;
    switch (lookup.readPosition) {
      case 'header': {
        const raw = single(req.headers[lookup.parameterName.toLowerCase()]);
        if (raw === undefined) break;
        if (lookup.prefix) {
          // The value must carry the prefix; a header without it holds no token.
          if (raw.startsWith(lookup.prefix)) value = raw.slice(lookup.prefix.length);
        } else value = raw;
        break;
      }
      case 'cookie':
        value = cookie(req.headers, lookup.parameterName);
        break;
      case 'query':
        if (req.method === 'GET') value = req.query.get(lookup.parameterName) ?? undefined;
        break;
      case 'form':
        if (req.method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(single(req.headers['content-type']) ?? '')) {
          value = new URLSearchParams(req.body.toString('utf8')).get(lookup.parameterName) ?? undefined;
        }
        break;
    }
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a trigger's JWT check on one request.
 *
 * @example
 * const outcome = checkJwt(check, { method: 'POST', path: '/tickets', headers: req.headers, query, body });
 * // => { ok: true, claimHeaders: { 'x-user-id': 'u-42' } }  or  { ok: false, reason: 'token_expired', message: '…' }
 */
export function checkJwt(check: JwtCheck, req: JwtRequest, now = Date.now()): JwtOutcome {
  if (check.whitelist && pathMatches(check.whitelist, req.path)) return { ok: true, claimHeaders: {} };
  if (check.blacklist && !pathMatches(check.blacklist, req.path)) return { ok: true, claimHeaders: {} };
  const refuse = (reason: JwtRefusalReason, message: string): JwtOutcome => ({ ok: false, reason, message });
  const token = findToken(check, req);
  if (token === undefined) return refuse('token_missing', 'JWT token is missing');
  const parts = token.split('.');
  if (parts.length !== 3) return refuse('token_malformed', 'JWT token is malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (!header || !payload || !/^[A-Za-z0-9_-]+$/.test(signaturePart)) return refuse('token_malformed', 'JWT token is malformed');
  if (header.alg !== 'RS256') return refuse('algorithm_not_supported', `JWT algorithm ${JSON.stringify(header.alg)} is not accepted`);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const entry = check.keys.find((k) => k.kid === kid);
  if (!entry) return refuse('key_not_found', 'no key of the trigger matches the JWT token');
  const signed = Buffer.from(`${headerPart}.${payloadPart}`, 'utf8');
  if (!verify('RSA-SHA256', signed, entry.key, Buffer.from(signaturePart, 'base64url'))) return refuse('signature_invalid', 'JWT signature is invalid');
  const seconds = now / 1000;
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || seconds >= payload.exp)) return refuse('token_expired', 'JWT token is expired');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || seconds < payload.nbf)) return refuse('token_not_yet_valid', 'JWT token is not valid yet');
  const claimHeaders: Record<string, string> = {};
  for (const { claim, header: name } of check.claimHeaders) {
    const value = payload[claim];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') claimHeaders[name] = String(value);
  }
  return { ok: true, claimHeaders };
}

/** The trigger configuration of a JWT-protected function (s.yaml's `triggerConfig` minus methods). */
export interface JwtTriggerAuth {
  authType: 'jwt';
  authConfig: JwtAuthConfig;
}

/** The host's answer to a refused request: 401 with the error JSON the host's trigger errors use. */
export function jwtRefusalAnswer(message: string): HttpAnswer {
  return apiError(401, 'InvalidToken', message);
}

/**
 * The event headers with the claims set: every header of a claim's name the client sent
 * is dropped first, so the function can trust that such a header came from a verified
 * token (FC's documentation does not say what it does with a client's own header of that
 * name; we take the safe reading).
 *
 * @example withClaimHeaders({ 'X-User-Id': 'forged' }, check, { 'x-user-id': 'u-42' }) // => { 'X-User-Id': 'u-42' }
 */
export function withClaimHeaders(headers: Record<string, string>, check: JwtCheck, claims: Record<string, string>): Record<string, string> {
  const names = new Set(check.claimHeaders.map((c) => c.header));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!names.has(name.toLowerCase())) out[name] = value;
  for (const [name, value] of Object.entries(claims)) out[canonicalHeaderName(name)] = value;
  return out;
}
