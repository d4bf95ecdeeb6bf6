/**
 * The record id of a delivery whose job id is missing or unusable, so that every
 * delivery still ends in a record: `invalid-<messageId>` for a queue message, else
 * `invalid-` and the first 16 hex digits of the SHA-256 of the raw event bytes. The same
 * delivery delivered again gets the same id (one record, its deliveries counted), and a
 * producer can compute it: `npm run submit` prints it for each invalid line it sends.
 */
import { createHash } from 'node:crypto';

/** Prefix of every id given to a delivery without a usable job id. */
export const INVALID_ID_PREFIX = 'invalid-';

/** The longest escaped job id put into a record's `error`. */
export const MAX_GIVEN_ID_CHARS = 128;

// The same rule as JOB_ID_PATTERN in job.ts (repeated: job.ts imports this module).
const USABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The record id of an event delivered outside a queue (FC async or direct invocation):
 * `invalid-` + the first 16 hex digits of SHA-256(raw event bytes).
 *
 * @example invalidIdForEvent(Buffer.from('{"jobId":"a b"}')) // => 'invalid-' + 16 hex digits
 */
export function invalidIdForEvent(rawEvent: Uint8Array | string): string {
  return `${INVALID_ID_PREFIX}${createHash('sha256').update(rawEvent).digest('hex').slice(0, 16)}`;
}

/**
 * The record id of a queue message: `invalid-<messageId>`. A message id that would not
 * make a usable job id (MNS ids are hex and `-`, so this does not happen with MNS) is
 * replaced by the hash of itself, so the id stays stable and storable.
 *
 * @example invalidIdForMessage('5F1F7E2E3C8D4B1A-1-17C1E5A3F2B-200000001') // => 'invalid-5F1F7E2E3C8D4B1A-1-17C1E5A3F2B-200000001'
 */
export function invalidIdForMessage(messageId: string): string {
  const id = `${INVALID_ID_PREFIX}${messageId}`;
  return USABLE.test(id) ? id : invalidIdForEvent(Buffer.from(messageId, 'utf8'));
}

/**
 * A job id as it was given, for a record's `error` and logs: JSON notation with every
 * character outside printable ASCII escaped (`\uXXXX`), cut to at most 128 characters
 * without splitting an escape. `undefined` when there was none.
 *
 * @example escapeGivenJobId('发票 1') // => '"\\u53d1\\u7968 1"'
 */
export function escapeGivenJobId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  // JSON's own escapes (\n, \u0000…) are kept whole; other characters are single UTF-16 units.
  const pieces = json.match(/\\u[0-9a-fA-F]{4}|\\[\s\S]|[\s\S]/g) ?? [];
  let out = '';
  for (const piece of pieces) {
    const printable = piece.length > 1 || (piece >= ' ' && piece <= '~');
    const text = printable ? piece : `\\u${piece.charCodeAt(0).toString(16).padStart(4, '0')}`;
    if (out.length + text.length > MAX_GIVEN_ID_CHARS) break;
    out += text;
  }
  return out;
}
