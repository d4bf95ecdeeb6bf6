/**
 * Names a ticket hands out: the job id (which carries its owner) and the object key
 * (under the configured prefix, and under `users/<id>/` when keys are per user).
 *
 * Ownership lives in the job id: a ticket's job is always `<user id>:<name>`, so one
 * user can neither name nor read another user's job, whatever they send.
 */
import { randomBytes } from 'node:crypto';
import { JOB_ID_PATTERN } from '../jobs/job';
import { TicketError } from './errors';

/** User ids that are safe in a job id (before its `:`) and in a key segment. */
const USER_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** What a client may choose as the name part of its job id. */
const JOB_NAME = /^[A-Za-z0-9._-]{1,63}$/;
/** OSS object names are 1–1023 bytes of UTF-8 (OSS object naming rules). */
const MAX_KEY_BYTES = 1023;

/**
 * True when `text` holds an ASCII control character (U+0000–U+001F or U+007F).
 *
 * @example hasControlCharacters('a\nb') // => true
 */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Checks the user id FC passed from the verified token's claim.
 *
 * @example checkUserId('u-42') // => 'u-42'
 */
export function checkUserId(userId: string | undefined): string {
  if (userId === undefined || userId === '') throw new TicketError('user_missing', 'no verified user id reached the function (the trigger must use JWT authentication passing the user claim as a header)');
  if (!USER_ID.test(userId) || userId === '.' || userId === '..') throw new TicketError('bad_user_id', 'the user id must be 1-64 of A-Z a-z 0-9 . _ - to name keys and jobs');
  return userId;
}

/**
 * The job id of a ticket: `<user id>:<name>`, the name being the client's `jobId` or a
 * fresh random one.
 *
 * @example ticketJobId('u-42', 'avatar-1') // => 'u-42:avatar-1'
 */
export function ticketJobId(userId: string, name?: string): string {
  const chosen = name ?? `t${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
  if (!JOB_NAME.test(chosen) || chosen === '.' || chosen === '..') throw new TicketError('bad_job_id', 'jobId must be 1-63 of A-Z a-z 0-9 . _ -');
  const jobId = `${userId}:${chosen}`;
  if (!JOB_ID_PATTERN.test(jobId)) throw new TicketError('bad_job_id', 'jobId is too long together with the user id');
  return jobId;
}

/** The name part of a ticket job id (after `<user id>:`). */
export function jobName(jobId: string): string {
  return jobId.slice(jobId.indexOf(':') + 1);
}

/**
 * True when `jobId` is a ticket job of `userId`.
 *
 * @example ownsJob('u-42', 'u-42:avatar-1') // => true
 */
export function ownsJob(userId: string, jobId: string): boolean {
  return jobId.startsWith(`${userId}:`) && JOB_ID_PATTERN.test(jobId);
}

/**
 * The prefix every key of this user's tickets must start with.
 *
 * @example allowedPrefix('uploads/', true, 'u-42') // => 'uploads/users/u-42/'
 */
export function allowedPrefix(keyPrefix: string, perUser: boolean, userId: string): string {
  return perUser ? `${keyPrefix}users/${userId}/` : keyPrefix;
}

/**
 * Checks a key the client chose: under `prefix`, something after it, at most 1023
 * bytes, no control characters, no empty, `.` or `..` segments (OSS stores those
 * literally, which would only confuse whoever lists the prefix).
 */
export function checkKey(key: unknown, prefix: string): string {
  if (typeof key !== 'string' || key === '') throw new TicketError('bad_key', 'key must be a non-empty string');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES || hasControlCharacters(key) || key.includes('\\')) {
    throw new TicketError('bad_key', `key must be at most ${MAX_KEY_BYTES} bytes without control characters or backslashes`);
  }
  if (!key.startsWith(prefix) || key.length === prefix.length) throw new TicketError('key_outside_prefix', `key must be under ${JSON.stringify(prefix)}`);
  if (key.slice(prefix.length).split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new TicketError('bad_key', 'key must not have empty, "." or ".." segments');
  }
  return key;
}

/**
 * The key for a `filename`: `<prefix><job name>/<file name>`, the file name without any
 * directory part a browser may send.
 *
 * @example keyForFilename('uploads/users/u-42/', 'u-42:t1', 'C:\\photos\\cat.jpg') // => 'uploads/users/u-42/t1/cat.jpg'
 */
export function keyForFilename(prefix: string, jobId: string, filename: unknown): string {
  if (typeof filename !== 'string') throw new TicketError('bad_filename', 'filename must be a string');
  const base = filename.split(/[\\/]/).pop() ?? '';
  if (base === '' || base === '.' || base === '..' || hasControlCharacters(base) || Buffer.byteLength(base, 'utf8') > 255) {
    throw new TicketError('bad_filename', 'filename must be a file name of 1-255 bytes without control characters');
  }
  return checkKey(`${prefix}${jobName(jobId)}/${base}`, prefix);
}
