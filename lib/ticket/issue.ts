/**
 * Issuing a ticket: everything a client needs to upload one file straight to OSS with a
 * PostObject form, ending in the same verified record as a queued job. Issuing writes
 * nothing; a ticket never used leaves no trace.
 */
import { CallbackParamsError } from '../protocol/encode';
import { callbackFieldsFor } from './callback-fields';
import type { TicketConfig } from './config';
import { TicketError } from './errors';
import { allowedPrefix, checkKey, checkUserId, keyForFilename, ticketJobId } from './naming';
import { buildPolicy } from './policy';
import type { TicketRequest } from './request';
import { signPolicy, v4Fields, type SigningCredentials } from './signer';

/** What `POST /tickets` answers. */
export interface Ticket {
  jobId: string;
  /** Where to post the form. */
  url: string;
  /** Every form field, in order; the file goes last, as the field `file`. */
  fields: Record<string, string>;
  /** ISO 8601: the policy's expiration. */
  expiresAt: string;
}

/** OSS answers a successful form with this status and, with a callback, the callback's body. */
export const SUCCESS_ACTION_STATUS = '200';
/** OSS refuses a form field other than the file over 4 KB (error code list: FieldItemTooLong). */
export const MAX_FORM_FIELD_BYTES = 4 * 1024;

/**
 * Makes a ticket for `userId` (the id FC passed from the verified token). Throws
 * TicketError for a request it refuses.
 *
 * @example
 * const ticket = issueTicket({ filename: 'cat.jpg', contentType: 'image/jpeg', vars: {} }, 'u-42', config, config.store.credentials);
 * // => { jobId: 'u-42:t…', url: 'https://photos.oss-cn-hangzhou.aliyuncs.com', fields: { key: 'uploads/users/u-42/t…/cat.jpg', policy: '…', … }, expiresAt: '…' }
 */
export function issueTicket(request: TicketRequest, userId: string | undefined, config: TicketConfig, credentials: SigningCredentials, now = Date.now()): Ticket {
  const user = checkUserId(userId);
  const jobId = ticketJobId(user, request.jobId);
  const prefix = allowedPrefix(config.keyPrefix, config.perUser, user);
  const key = request.key !== undefined ? checkKey(request.key, prefix) : keyForFilename(prefix, jobId, request.filename);
  const maxBytes = request.maxBytes ?? config.maxBytesCap;
  if (maxBytes > config.maxBytesCap) throw new TicketError('max_bytes_above_cap', `maxBytes may be at most ${config.maxBytesCap}`);

  let callback;
  try {
    // The owner travels with the upload into the record, so the read endpoint can check it again.
    callback = callbackFieldsFor({ jobId, bucket: config.bucket, key, vars: { ...request.vars, user }, callbackUrl: config.callbackUrl, tokenSecrets: config.tokenSecrets, now });
  } catch (error) {
    if (error instanceof CallbackParamsError) throw new TicketError('bad_vars', `vars cannot be sent to OSS: ${error.message}`);
    throw error;
  }

  const date = new Date(now);
  const expiresAt = new Date(now + config.expiresSeconds * 1000);
  const signing = v4Fields(credentials, config.region, date);
  const pinned = { callback: callback.callback, ...callback.vars };
  const policy = buildPolicy({
    bucket: config.bucket,
    key,
    maxBytes,
    ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    successActionStatus: SUCCESS_ACTION_STATUS,
    fields: pinned,
    signing,
    expiresAt,
  });
  const signed = signPolicy(policy, credentials, config.region, config.bucket, date);
  const fields: Record<string, string> = {
    key,
    policy: signed.policy,
    ...signing,
    'x-oss-signature': signed.signature,
    success_action_status: SUCCESS_ACTION_STATUS,
    ...(request.contentType !== undefined ? { 'Content-Type': request.contentType } : {}),
    ...pinned,
  };
  for (const [name, value] of Object.entries(fields)) {
    if (Buffer.byteLength(value, 'utf8') > MAX_FORM_FIELD_BYTES) {
      throw new TicketError('bad_vars', `the form's ${name} field would be over ${MAX_FORM_FIELD_BYTES} bytes, which OSS refuses (FieldItemTooLong); send fewer or shorter vars`);
    }
  }
  return { jobId, url: config.uploadUrl, fields, expiresAt: expiresAt.toISOString() };
}
