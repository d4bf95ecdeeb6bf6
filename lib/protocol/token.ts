/**
 * Job tokens: an HMAC-SHA256 over (job id, bucket, object key, the job's vars, issue
 * time) made by the uploader with our secret and carried through OSS as the custom
 * variable `x:token`.
 *
 * The OSS signature only proves a request passed through OSS, and OSS signs whatever
 * body template the uploading account wrote, so every field of a callback body can be
 * chosen by whoever makes the upload. The token is what ties a callback to one upload
 * of ours: its job id, the bucket and key the uploader wrote to, and the vars it sent.
 * A token copied into another upload's callback therefore only verifies for that same
 * job, bucket, key and vars. Several secrets are accepted for rotation: the first signs,
 * all verify.
 *
 * Token format (version 2): `v2.<issued-at>.<mac>` where
 * - `issued-at` is the issue time in whole seconds since the epoch, base 36, lower case;
 * - `mac` is the canonical unpadded Base64url (RFC 4648 §5) of
 *   HMAC-SHA256(secret, UTF-8 of JSON.stringify(["v2", issued-at, jobId, bucket, key, varsDigest(vars)])).
 * Version 1 tokens (no vars digest) are refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ReasonedError } from '../errors';

/** The custom variable that carries the token through the callback. */
export const TOKEN_VAR = 'x:token';
/** The custom variable that carries the job id through the callback. */
export const JOB_ID_VAR = 'x:job_id';
/** Custom variables that carry a job's own `vars` are named this prefix + the var's name. */
export const JOB_VAR_PREFIX = 'x:var_';

/** What a token is bound to. */
export interface TokenSubject {
  jobId: string;
  bucket: string;
  key: string;
  /** The job's own vars, by name without the `x:var_` prefix; `{}` when it has none. */
  vars: Readonly<Record<string, string>>;
}

export type JobTokenReason = 'token_missing' | 'token_malformed' | 'token_outdated' | 'token_mismatch' | 'token_expired';

/** The callback's job token is absent, malformed, of an old version, forged, or too old. */
export class JobTokenError extends ReasonedError<JobTokenReason> {}

/** Secrets shorter than this are refused: an HMAC key is only as strong as its entropy. */
export const MIN_SECRET_LENGTH = 16;
/** Tokens older than this are stale (default); an upload never takes a day. */
export const DEFAULT_TOKEN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const VERSION = 'v2';
/** 32 MAC bytes are 43 Base64url characters; the last one carries 2 unused bits. */
const TOKEN_FORMAT = /^v2\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;
const OLD_TOKEN_FORMAT = /^v1\.[0-9a-z]{1,12}\.[A-Za-z0-9_-]{43}$/;

/** A malformed `CALLBACK_TOKEN_SECRET`: the message names the variable, never its value. */
export class TokenSecretError extends ReasonedError<'missing_setting' | 'bad_setting'> {}

/**
 * Splits `CALLBACK_TOKEN_SECRET` (comma-separated, first signs, all verify).
 *
 * @example parseTokenSecrets('new-secret-0123456789,old-secret-0123456789') // => ['new-…', 'old-…']
 */
export function parseTokenSecrets(value: string | undefined, name = 'CALLBACK_TOKEN_SECRET'): string[] {
  if (value === undefined || value.trim() === '') throw new TokenSecretError('missing_setting', `${name} is not set`);
  const secrets = value.split(',').map((s) => s.trim());
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new TokenSecretError('bad_setting', `${name}: secret #${index + 1} is shorter than ${MIN_SECRET_LENGTH} characters`);
    }
  });
  return secrets;
}

/** Orders strings by Unicode code point (= by UTF-8 bytes), not by UTF-16 unit as `sort()` does. */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The canonical text of a job's vars, which {@link varsDigest} hashes: the JSON (ECMA-262
 * `JSON.stringify`, no whitespace) of an array of `[name, value]` pairs sorted by name in
 * Unicode code-point order. No vars is `[]`. Names are the job's var names, without the
 * `x:var_` prefix they travel under.
 *
 * @example canonicalVars({ b: '2', a: 'x"y' }) // => '[["a","x\\"y"],["b","2"]]'
 */
export function canonicalVars(vars: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(vars)
      .sort(byCodePoint)
      .map((name) => [name, vars[name]]),
  );
}

/**
 * Lower-case hex SHA-256 of the UTF-8 bytes of {@link canonicalVars}: what a token binds
 * of the vars, so that the token stays the same length however many vars a job has.
 *
 * @example varsDigest({}) // => '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945' (SHA-256 of "[]")
 */
export function varsDigest(vars: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(canonicalVars(vars), 'utf8').digest('hex');
}

function mac(secret: string, subject: TokenSubject, issuedAt: string): Buffer {
  // JSON of an array is an unambiguous encoding: no choice of fields can collide.
  const message = JSON.stringify([VERSION, issuedAt, subject.jobId, subject.bucket, subject.key, varsDigest(subject.vars)]);
  return createHmac('sha256', secret).update(message, 'utf8').digest();
}

/**
 * Makes the token for one upload with the first (current) secret.
 *
 * @example createJobToken(['0123456789abcdef-secret'], { jobId: 'j1', bucket: 'b', key: 'a.txt', vars: {} }) // => 'v2.lx2k3a1.Qm9…'
 */
export function createJobToken(secrets: readonly string[], subject: TokenSubject, now: number = Date.now()): string {
  const secret = secrets[0];
  if (secret === undefined) throw new TokenSecretError('missing_setting', 'no job token secret configured');
  const issuedAt = Math.floor(now / 1000).toString(36);
  return `${VERSION}.${issuedAt}.${mac(secret, subject, issuedAt).toString('base64url')}`;
}

/**
 * Checks a token against every secret in constant time; throws JobTokenError when it
 * is missing, malformed (including a non-canonical Base64url spelling), a version 1
 * token, made with no known secret for this exact subject, or older than `maxAgeMs`.
 *
 * @example verifyJobToken(secrets, { jobId: 'j1', bucket: 'b', key: 'a.txt', vars: { user: 'u1' } }, payload.vars['x:token'])
 */
export function verifyJobToken(
  secrets: readonly string[],
  subject: TokenSubject,
  token: string | undefined,
  options: { now?: number; maxAgeMs?: number } = {},
): void {
  if (token === undefined || token === '') throw new JobTokenError('token_missing', `the callback carries no ${TOKEN_VAR} variable`);
  const match = TOKEN_FORMAT.exec(token);
  if (match === null) {
    if (OLD_TOKEN_FORMAT.test(token)) throw new JobTokenError('token_outdated', 'a version 1 job token, made before tokens covered the job vars');
    throw new JobTokenError('token_malformed', `${TOKEN_VAR} is not a job token`);
  }
  const issuedAt = match[1]!;
  const encoded = match[2]!;
  const given = Buffer.from(encoded, 'base64url');
  // Decoders ignore the 2 unused low bits of the last character, so 4 spellings decode
  // to the same MAC; only the one an encoder writes is accepted.
  if (given.toString('base64url') !== encoded) throw new JobTokenError('token_malformed', `${TOKEN_VAR} is not canonical Base64url`);
  let matched = false;
  for (const secret of secrets) {
    // Every secret is tried, so timing does not tell which one matched.
    if (timingSafeEqual(mac(secret, subject, issuedAt), given)) matched = true;
  }
  if (!matched) throw new JobTokenError('token_mismatch', 'the job token does not match this job, bucket, object and vars');
  const ageMs = (options.now ?? Date.now()) - parseInt(issuedAt, 36) * 1000;
  if (ageMs > (options.maxAgeMs ?? DEFAULT_TOKEN_MAX_AGE_MS)) throw new JobTokenError('token_expired', 'the job token is too old');
}
