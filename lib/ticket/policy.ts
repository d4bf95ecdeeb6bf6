/**
 * The PostObject policy of a ticket: what OSS lets the form do. It pins the bucket, the
 * exact key, the size range, the content type when given, the success status, the
 * callback and every custom variable, and the V4 signing fields, so a form changed in
 * any of them is refused by OSS with "Invalid according to Policy".
 *
 * Condition forms and the V4 fields the policy must repeat: OSS "PostObject" (Appendix:
 * Policy) and "POST V4 signature" (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend,
 * read 2026-12-02: x-oss-date "must be consistent with x-oss-date in the policy"), and
 * ali-oss 6.23's README example for signPostObjectPolicyV4 (node_modules/ali-oss/README.md:
 * `{ bucket }`, `{'x-oss-credential': …}`, `{'x-oss-date': …}`, `{'x-oss-signature-version': 'OSS4-HMAC-SHA256'}`,
 * `['content-length-range', 1, 10]`, `['eq', '$success_action_status', '200']`, and
 * `{'x-oss-security-token': …}` with STS keys).
 */

/** One condition as OSS reads it: `{ field: value }` (exact) or an operator array. */
export type PolicyCondition = Record<string, string> | [string, ...(string | number | string[])[]];

/** A PostObject policy document. */
export interface PostPolicy {
  /** ISO 8601 in UTC, e.g. `2026-12-02T10:10:00.000Z`. */
  expiration: string;
  conditions: PolicyCondition[];
}

/** What the policy pins. */
export interface PolicyInput {
  bucket: string;
  key: string;
  maxBytes: number;
  contentType?: string;
  successActionStatus: string;
  /** The `callback` field and the `x:` fields, pinned to their exact values. */
  fields: Record<string, string>;
  /** The V4 fields (`x-oss-signature-version`, `x-oss-credential`, `x-oss-date`, and `x-oss-security-token` with STS keys). */
  signing: Record<string, string>;
  expiresAt: Date;
}

/**
 * The policy document for one ticket.
 *
 * @example
 * buildPolicy({ bucket: 'b', key: 'uploads/a.txt', maxBytes: 1024, successActionStatus: '200', fields: { callback: 'eyJ…' }, signing, expiresAt })
 * // => { expiration: '…Z', conditions: [{ bucket: 'b' }, ['eq', '$key', 'uploads/a.txt'], ['content-length-range', 1, 1024], …] }
 */
export function buildPolicy(input: PolicyInput): PostPolicy {
  const conditions: PolicyCondition[] = [
    { bucket: input.bucket },
    ['eq', '$key', input.key],
    // At least one byte: an empty upload is never what a client meant.
    ['content-length-range', 1, input.maxBytes],
    ['eq', '$success_action_status', input.successActionStatus],
  ];
  if (input.contentType !== undefined) conditions.push(['eq', '$Content-Type', input.contentType]);
  for (const [name, value] of Object.entries(input.fields)) conditions.push(['eq', `$${name}`, value]);
  for (const [name, value] of Object.entries(input.signing)) conditions.push({ [name]: value });
  return { expiration: input.expiresAt.toISOString(), conditions };
}
