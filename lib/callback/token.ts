/**
 * Job tokens: an HMAC-SHA256 over (job id, bucket, object key, issue time) made by the
 * uploader with our secret and carried through OSS as the custom variable `x:token`.
 *
 * The OSS signature only proves a request passed through OSS; anyone's bucket can point
 * a callback at our URL. The token proves the upload was one of ours, for this exact
 * object. Several secrets are accepted for rotation: the first signs, all verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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
}

export type JobTokenReason = 'token_missing' | 'token_malformed' | 'token_mismatch' | 'token_expired';

/** The callback's job token is absent, malformed, forged, or too old. */
export class JobTokenError extends ReasonedError<JobTokenReason> {}

/** Secrets shorter than this are refused: an HMAC key is only as strong as its entropy. */
export const MIN_SECRET_LENGTH = 16;
/** Tokens older than this are stale (default); an upload never takes a day. */
export const DEFAULT_TOKEN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const VERSION = 'v1';
const TOKEN_FORMAT = /^v1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

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

function mac(secret: string, subject: TokenSubject, issuedAt: string): Buffer {
  // JSON of an array is an unambiguous encoding: no choice of fields can collide.
  const message = JSON.stringify([VERSION, issuedAt, subject.jobId, subject.bucket, subject.key]);
  return createHmac('sha256', secret).update(message, 'utf8').digest();
}

/**
 * Makes the token for one upload with the first (current) secret.
 *
 * @example createJobToken(['0123456789abcdef-secret'], { jobId: 'j1', bucket: 'b', key: 'a.txt' }) // => 'v1.lx2k3a1.Qm9…'
 */
export function createJobToken(secrets: readonly string[], subject: TokenSubject, now: number = Date.now()): string {
  const secret = secrets[0];
  if (secret === undefined) throw new TokenSecretError('missing_setting', 'no job token secret configured');
  const issuedAt = Math.floor(now / 1000).toString(36);
  return `${VERSION}.${issuedAt}.${mac(secret, subject, issuedAt).toString('base64url')}`;
}

/**
 * Checks a token against every secret in constant time; throws JobTokenError when it
 * is missing, malformed, made with no known secret for this exact subject, or older
 * than `maxAgeMs`.
 *
 * @example verifyJobToken(secrets, { jobId: 'j1', bucket: 'b', key: 'a.txt' }, payload.vars['x:token'])
 */
export function verifyJobToken(
  secrets: readonly string[],
  subject: TokenSubject,
  token: string | undefined,
  options: { now?: number; maxAgeMs?: number } = {},
): void {
  if (token === undefined || token === '') throw new JobTokenError('token_missing', `the callback carries no ${TOKEN_VAR} variable`);
  const match = TOKEN_FORMAT.exec(token);
  if (match === null) throw new JobTokenError('token_malformed', `${TOKEN_VAR} is not a job token`);
  const issuedAt = match[1]!;
  const given = Buffer.from(match[2]!, 'base64url');
  let matched = false;
  for (const secret of secrets) {
    // Every secret is tried, so timing does not tell which one matched.
    if (timingSafeEqual(mac(secret, subject, issuedAt), given)) matched = true;
  }
  if (!matched) throw new JobTokenError('token_mismatch', 'the job token does not match this job, bucket and object');
  const ageMs = (options.now ?? Date.now()) - parseInt(issuedAt, 36) * 1000;
  if (ageMs > (options.maxAgeMs ?? DEFAULT_TOKEN_MAX_AGE_MS)) throw new JobTokenError('token_expired', 'the job token is too old');
}
