/**
 * The local stack's stand-in for an application's sign-in service: an RS256 key pair
 * made at start, its public JWKS (given to the FC host's ticket trigger, as s.yaml gives
 * FC the application's), and development tokens signed with the private key.
 *
 * Token format: RFC 7519 JWT, JWS compact serialisation with RS256 (RFC 7515, RFC 7518
 * section 3.3); the JWK fields (kty, n, e, alg, use, kid) are those the fc3 schema asks
 * of each key in `authConfig.jwks.keys` (test/fixtures/fc3/schema.json).
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { TriggerJwk } from '../fc-host/jwt-auth';

/** A key pair that issues development tokens. */
export interface DevJwtIssuer {
  /** The public key set for the trigger (`authConfig.jwks`). */
  jwks: { keys: TriggerJwk[] };
  /**
   * A token for `sub`, valid `ttlSeconds` from now (negative: already expired). `claims`
   * are added to the payload; `kid: null` leaves the key id out.
   */
  mint(sub: string, options?: { ttlSeconds?: number; claims?: Record<string, unknown>; now?: number }): string;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Signs a JWT with an RS256 private key.
 *
 * @example signJwt(privateKey, 'dev-1', { sub: 'u-42', exp: 1893456000 }) // => 'eyJhbGciOiJSUzI1NiIs…'
 */
export function signJwt(privateKey: KeyObject, kid: string | undefined, payload: Record<string, unknown>): string {
  const head = segment({ alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) });
  const body = segment(payload);
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${body}`, 'utf8'), privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/**
 * Makes a fresh issuer (2048-bit RSA, a random key id).
 *
 * @example
 * const issuer = createDevJwtIssuer();
 * const token = issuer.mint('dev-user', { ttlSeconds: 3600 });
 */
export function createDevJwtIssuer(): DevJwtIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `local-${randomBytes(6).toString('hex')}`;
  const { n, e } = publicKey.export({ format: 'jwk' });
  return {
    jwks: { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: n!, e: e! }] },
    mint(sub, options = {}) {
      const now = Math.floor((options.now ?? Date.now()) / 1000);
      return signJwt(privateKey, kid, { sub, iat: now, exp: now + (options.ttlSeconds ?? 12 * 3600), ...options.claims });
    },
  };
}
