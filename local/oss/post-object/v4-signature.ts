/**
 * Checking a PostObject form's V4 signature ("POST V4 signature",
 * https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend,
 * read 2026-12-02): `x-oss-signature-version` is OSS4-HMAC-SHA256, `x-oss-credential`
 * is `<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request`, `x-oss-date` is
 * `yyyymmddTHHMMSSZ` on the credential's day, at most 15 minutes ahead of the server's
 * clock and at most 7 days old, and `x-oss-signature` is the hex HMAC-SHA256 of the
 * Base64 policy under the V4 signing key. The same derivation, step by step, is in
 * Alibaba's own sample (aliyun/alibabacloud-oss-python-sdk-v2 sample/post_object.py,
 * commit 3c35261): HMAC("aliyun_v4" + secret, date) → region → "oss" → "aliyun_v4_request".
 * The signing key and HMAC are the header checker's (`signatureV4`, local/oss/signature-v4.ts),
 * whose derivation the OSS Swift SDK's vectors pin down (test/conformance/oss-v4/).
 *
 * Like a bucket created after 2025-09-01, the emulator accepts no V1 form signatures.
 */
import { timingSafeEqual } from 'node:crypto';
import { OssError } from '../errors';
import type { AccessKeys } from '../access-keys';
import { signatureV4 } from '../signature-v4';
import { accessDenied, invalidFormArgument, signatureMismatch } from './errors';
import type { FormFields } from './fields';

const ALGORITHM = 'OSS4-HMAC-SHA256';
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([a-z0-9-]+)\/oss\/aliyun_v4_request$/;
const DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** x-oss-date may be this far ahead of the server's clock ("allowed 15-minute backward skew"). */
export const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;
/** A form's x-oss-date is good for at most 7 days. */
export const MAX_SIGNATURE_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The expected `x-oss-signature` of a Base64 policy.
 *
 * @example postPolicySignature('secret', '20261202', 'cn-hangzhou', 'eyJleHBp…') // => '9f2c…' (64 hex digits)
 */
export function postPolicySignature(secret: string, day: string, region: string, policyBase64: string): string {
  // The form's string to sign is the Base64 policy itself, signed with the same key as headers.
  return signatureV4(secret, day, region, policyBase64);
}

function parseOssDate(value: string): number | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Throws the OssError OSS would answer unless the form carries a valid V4 signature of
 * its `policy` by one of `keys` (with the form's `x-oss-security-token` for STS keys) for `region`.
 */
export function checkFormSignature(fields: FormFields, keys: AccessKeys, region: string, now = Date.now()): void {
  const version = fields.get('x-oss-signature-version');
  if (version === undefined) {
    if (fields.get('Signature') !== undefined || fields.get('OSSAccessKeyId') !== undefined) {
      throw accessDenied('V1 signatures are not accepted for this bucket; sign the form with V4 (OSS4-HMAC-SHA256).');
    }
    // No signature at all: only a public-read-write bucket takes that, and the emulator's are private.
    throw accessDenied('You have no right to access this object because of bucket acl.');
  }
  if (version !== ALGORITHM) throw invalidFormArgument(`x-oss-signature-version must be ${ALGORITHM}.`, 'x-oss-signature-version', version);
  const credential = fields.get('x-oss-credential') ?? '';
  const parts = CREDENTIAL.exec(credential);
  if (!parts) throw invalidFormArgument('Invalid credential in post form.', 'x-oss-credential', credential, '0002-00000710');
  const [, accessKeyId, day, credentialRegion] = parts as unknown as [string, string, string, string];
  const signature = fields.get('x-oss-signature');
  if (signature === undefined) throw invalidFormArgument('The x-oss-signature field is missing.', 'x-oss-signature', '', '0002-00000703');
  if (signature === '') throw invalidFormArgument('The x-oss-signature field is empty.', 'x-oss-signature', '', '0002-00000704');
  const secret = keys.secretFor(accessKeyId, fields.get('x-oss-security-token'));
  if (credentialRegion !== region) throw invalidFormArgument(`Invalid region in credential: this bucket is in ${region}.`, 'x-oss-credential', credential, '0002-00000710');
  const dateField = fields.get('x-oss-date') ?? '';
  const signedAt = parseOssDate(dateField);
  if (signedAt === undefined || dateField.slice(0, 8) !== day) throw invalidFormArgument('x-oss-date must be yyyymmddTHHMMSSZ on the credential\'s day.', 'x-oss-date', dateField);
  if (signedAt - now > MAX_FUTURE_SKEW_MS) {
    throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', undefined, {
      RequestTime: dateField,
      ServerTime: new Date(now).toISOString(),
    });
  }
  if (now - signedAt > MAX_SIGNATURE_AGE_MS) throw accessDenied('Request has expired.');
  const expected = Buffer.from(postPolicySignature(secret, day, region, fields.get('policy') ?? ''), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw signatureMismatch();
}
