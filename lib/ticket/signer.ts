/**
 * Signing a ticket's policy with ali-oss (`signPostObjectPolicyV4`, ali-oss ≥ 6.20), the
 * V4 form fields around it built with ali-oss's own helpers, as its README example does
 * (node_modules/ali-oss/README.md, ".signPostObjectPolicyV4(policy, date)"):
 * `x-oss-signature-version: OSS4-HMAC-SHA256`, `x-oss-credential` from getCredential,
 * `x-oss-date` as `yyyymmdd'T'HHMMss'Z'` in UTC, `x-oss-security-token` with STS keys,
 * `policy` the Base64 of the policy's JSON, and `x-oss-signature` the hex signature.
 *
 * ali-oss signs policy2Str(policy), which is JSON.stringify(policy) for an object and
 * JSON.stringify(JSON.parse(text)) for a string (lib/common/utils/policy2Str.js). We hand
 * it the JSON text we put in the form, so the signed bytes are the sent bytes.
 */
import OSS from 'ali-oss';
import { getCredential } from 'ali-oss/lib/common/signUtils';
import type { PostPolicy } from './policy';

/** Keys the policy is signed with: the function role's STS keys in FC. */
export interface SigningCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The only V4 algorithm OSS has (POST V4 signature: "fixed to OSS4-HMAC-SHA256"). */
export const SIGNATURE_VERSION = 'OSS4-HMAC-SHA256';

/** The part of ali-oss's client used here; @types/ali-oss does not declare it. */
interface PostObjectSigner {
  signPostObjectPolicyV4(policy: object | string, date: Date): string;
}

/**
 * `x-oss-date` of a signing time: ISO 8601 basic format in UTC, no fraction.
 *
 * @example ossDate(new Date('2026-12-02T10:11:12.345Z')) // => '20261202T101112Z'
 */
export function ossDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The V4 fields that the policy repeats and the form carries (all but the signature).
 *
 * @example v4Fields({ accessKeyId: 'LTAI…', accessKeySecret: '…' }, 'cn-hangzhou', date)
 * // => { 'x-oss-signature-version': 'OSS4-HMAC-SHA256', 'x-oss-credential': 'LTAI…/20261202/cn-hangzhou/oss/aliyun_v4_request', 'x-oss-date': '20261202T101112Z' }
 */
export function v4Fields(credentials: SigningCredentials, region: string, date: Date): Record<string, string> {
  const when = ossDate(date);
  const fields: Record<string, string> = {
    'x-oss-signature-version': SIGNATURE_VERSION,
    'x-oss-credential': getCredential(when.slice(0, 8), region, credentials.accessKeyId),
    'x-oss-date': when,
  };
  if (credentials.securityToken) fields['x-oss-security-token'] = credentials.securityToken;
  return fields;
}

/**
 * Signs `policy` as of `date` and returns the `policy` and `x-oss-signature` fields.
 *
 * @example signPolicy(policy, credentials, 'cn-hangzhou', 'photos', date) // => { policy: 'eyJleHBp…', signature: '5a1f…' }
 */
export function signPolicy(policy: PostPolicy, credentials: SigningCredentials, region: string, bucket: string, date: Date): { policy: string; signature: string } {
  const client = new OSS({
    region: `oss-${region}`,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken
      ? {
          stsToken: credentials.securityToken,
          // Only silences ali-oss's warning about STS tokens without a refresh setting; this
          // client signs once and is dropped (see lib/oss/client.ts).
          refreshSTSTokenInterval: 5 * 60_000,
        }
      : {}),
    bucket,
    authorizationV4: true,
  }) as unknown as PostObjectSigner;
  const text = JSON.stringify(policy);
  return { policy: Buffer.from(text, 'utf8').toString('base64'), signature: client.signPostObjectPolicyV4(text, date) };
}
