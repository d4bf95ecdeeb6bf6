/**
 * The PostObject policy as OSS applies it (PostObject, "Appendix: Policy"; the EC pages
 * named in errors.ts): Base64 of a UTF-8 JSON object with `expiration` (ISO 8601, UTC)
 * and `conditions`, each either `{ "<field>": "<value>" }` (exact match) or
 * `["eq" | "starts-with", "$<field>", "<value>"]`, `["in" | "not-in", "$<field>", [values]]`,
 * `["content-length-range", min, max]`. Field names match ignoring case and with or
 * without the `$` (the EC 0006-00000227 page's policy writes `"success_action_status"`,
 * its error message `"$success_action_status"`). `bucket` is the bucket posted to.
 *
 * The size range is not checked here: the file has not arrived yet; {@link PolicyLimits}
 * carries it to the upload, which enforces it while the bytes stream in.
 */
import { conditionFailed, invalidPolicy, policyExpired } from './errors';
import type { FormFields } from './fields';

/** The object size a policy allows. */
export interface PolicyLimits {
  minBytes: number;
  maxBytes: number;
}

/** PostObject stores at most 5 GB (PostObject, usage notes). */
export const POST_OBJECT_MAX_BYTES = 5 * 1024 * 1024 * 1024;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** V4 forms must have their signing fields in the policy too (POST V4 signature, "policy"). */
const V4_POLICY_FIELDS = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'];

type Condition = Record<string, unknown> | unknown[];

/** The message form of a condition, as OSS prints it: `["eq", "$success_action_status", "200"]`. */
function printed(condition: Condition): string {
  if (Array.isArray(condition)) return `[${condition.map((c) => JSON.stringify(c)).join(', ')}]`;
  return `{${Object.entries(condition).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

function fieldName(raw: unknown, condition: Condition): string {
  if (typeof raw !== 'string' || raw === '' || raw === '$') throw invalidPolicy(`the field of ${printed(condition)} must be a name`, '0006-00000224');
  return (raw.startsWith('$') ? raw.slice(1) : raw).toLowerCase();
}

function nonNegativeInteger(value: unknown, condition: Condition): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalidPolicy(`content-length-range takes two whole numbers: ${printed(condition)}`, '0006-00000221');
  return n;
}

/**
 * Decodes the `policy` field. Throws InvalidPolicyDocument for anything that is not
 * Base64 of a JSON object with an `expiration` string and a `conditions` array.
 */
export function decodePolicy(policyBase64: string | undefined): { expiration: number; conditions: Condition[] } {
  if (policyBase64 === undefined || policyBase64 === '') throw invalidPolicy('the policy field is missing');
  if (!STRICT_BASE64.test(policyBase64)) throw invalidPolicy('the policy is not Base64');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('the policy is not JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalidPolicy('the policy is not a JSON object');
  const { expiration, conditions } = document as Record<string, unknown>;
  if (typeof expiration !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicy('expiration must be an ISO 8601 time in UTC, e.g. 2026-12-02T10:00:00.000Z');
  }
  if (!Array.isArray(conditions)) throw invalidPolicy('the policy has no conditions', '0006-00000207');
  for (const c of conditions) {
    if (typeof c !== 'object' || c === null) throw invalidPolicy(`a condition must be an object or an array: ${JSON.stringify(c)}`, '0006-00000224');
  }
  return { expiration: Date.parse(expiration), conditions: conditions as Condition[] };
}

/**
 * Applies a decoded policy to a form: throws AccessDenied "Policy expired" after its
 * expiration, AccessDenied "Policy Condition failed: <condition>" for the first condition
 * a field breaks, InvalidPolicyDocument for a condition it cannot read; returns the size
 * range for the upload.
 */
export function applyPolicy(policy: { expiration: number; conditions: Condition[] }, fields: FormFields, bucket: string, now = Date.now()): PolicyLimits {
  if (now > policy.expiration) throw policyExpired();
  const limits: PolicyLimits = { minBytes: 0, maxBytes: POST_OBJECT_MAX_BYTES };
  const valueOf = (name: string): string => (name === 'bucket' ? bucket : (fields.get(name) ?? ''));
  const named = new Set<string>();
  for (const condition of policy.conditions) {
    if (!Array.isArray(condition)) {
      const entries = Object.entries(condition);
      if (entries.length !== 1 || typeof entries[0]![1] !== 'string') throw invalidPolicy(`an exact-match condition is one field and a string: ${printed(condition)}`, '0006-00000224');
      const [raw, expected] = entries[0] as [string, string];
      const name = fieldName(raw, condition);
      named.add(name);
      if (valueOf(name) !== expected) throw conditionFailed(printed(condition));
      continue;
    }
    const op = typeof condition[0] === 'string' ? condition[0].toLowerCase() : '';
    if (op === 'content-length-range') {
      if (condition.length !== 3) throw invalidPolicy(`content-length-range takes two numbers: ${printed(condition)}`, '0006-00000221');
      const min = nonNegativeInteger(condition[1], condition);
      const max = nonNegativeInteger(condition[2], condition);
      if (max < min) throw invalidPolicy(`content-length-range maximum is below its minimum: ${printed(condition)}`, '0006-00000219');
      limits.minBytes = Math.max(limits.minBytes, min);
      limits.maxBytes = Math.min(limits.maxBytes, max);
      continue;
    }
    if (condition.length !== 3) throw invalidPolicy(`a condition is [operator, "$field", value]: ${printed(condition)}`, '0006-00000224');
    const name = fieldName(condition[1], condition);
    named.add(name);
    const actual = valueOf(name);
    const operand = condition[2];
    let ok: boolean;
    switch (op) {
      case 'eq':
        if (typeof operand !== 'string') throw invalidPolicy(`eq compares with a string: ${printed(condition)}`, '0006-00000224');
        ok = actual === operand;
        break;
      case 'starts-with':
        if (typeof operand !== 'string') throw invalidPolicy(`starts-with compares with a string: ${printed(condition)}`, '0006-00000224');
        ok = actual.startsWith(operand);
        break;
      case 'in':
      case 'not-in':
        if (!Array.isArray(operand) || operand.some((v) => typeof v !== 'string')) throw invalidPolicy(`${op} takes a list of strings: ${printed(condition)}`, '0006-00000224');
        ok = (operand as string[]).includes(actual) === (op === 'in');
        break;
      default:
        throw invalidPolicy(`unknown condition operator: ${printed(condition)}`, '0006-00000224');
    }
    if (!ok) throw conditionFailed(printed(condition));
  }
  for (const name of V4_POLICY_FIELDS) {
    if (!named.has(name)) throw invalidPolicy(`a V4 policy must have a condition on ${name}`);
  }
  return limits;
}
