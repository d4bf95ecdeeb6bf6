/**
 * Bucket CORS as OSS applies it, so a web page can post a form to the emulator.
 *
 * - Rules are tried in order; the first whose AllowedOrigin, AllowedMethod and
 *   AllowedHeader all match is used ("cors-options": "OSS evaluates the bucket's CORS
 *   configuration and uses the first matching rule … If no rule matches, OSS returns a
 *   403 AccessForbidden error",
 *   https://www.alibabacloud.com/help/doc-detail/122573.htm, read 2026-12-02).
 *   An origin or header pattern may hold one `*` (PutBucketCors: AllowedOrigin "can
 *   contain at most one asterisk (*)").
 * - A preflight (`OPTIONS` with Origin and Access-Control-Request-Method) that matches
 *   answers 200 with Access-Control-Allow-Origin (the request's Origin),
 *   Access-Control-Allow-Methods, Access-Control-Allow-Headers (the requested ones),
 *   Access-Control-Expose-Headers and Access-Control-Max-Age; without a match none of them
 *   ("Options", https://www.alibabacloud.com/help/doc-detail/32004.htm, read 2026-12-02).
 * - Any other request with an Origin that a rule allows gets the same headers (but no
 *   Allow-Headers / Max-Age) on its answer, success or error.
 *
 * The emulator has one rule list for every bucket (configured at start), not PutBucketCors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from './errors';

/** One CORS rule, as PutBucketCors takes it. */
export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

/** Thrown at start for a rule OSS would refuse. */
export class CorsRuleError extends Error {
  readonly reason = 'bad_cors_rule';
}

const METHODS = new Set(['GET', 'PUT', 'DELETE', 'POST', 'HEAD']);

/** Checks rules as PutBucketCors would; returns them with methods in upper case. */
export function checkCorsRules(rules: readonly CorsRule[]): CorsRule[] {
  return rules.map((rule, i) => {
    if (rule.allowedOrigins.length === 0) throw new CorsRuleError(`CORS rule ${i + 1} has no AllowedOrigin`);
    for (const p of [...rule.allowedOrigins, ...(rule.allowedHeaders ?? [])]) {
      if ((p.match(/\*/g) ?? []).length > 1) throw new CorsRuleError(`CORS rule ${i + 1}: ${JSON.stringify(p)} has more than one *`);
    }
    const allowedMethods = rule.allowedMethods.map((m) => m.toUpperCase());
    if (allowedMethods.length === 0 || allowedMethods.some((m) => !METHODS.has(m))) throw new CorsRuleError(`CORS rule ${i + 1}: AllowedMethod must be GET, PUT, DELETE, POST or HEAD`);
    return { ...rule, allowedMethods };
  });
}

function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  return v.length >= p.length - 1 && v.startsWith(p.slice(0, star)) && v.endsWith(p.slice(star + 1));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function firstRule(rules: readonly CorsRule[], origin: string, method: string, requested: string[]): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((o) => matches(o, origin, false)) &&
      rule.allowedMethods.includes(method) &&
      requested.every((h) => (rule.allowedHeaders ?? []).some((p) => matches(p, h, true))),
  );
}

function commonHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const out: Record<string, string> = { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Methods': rule.allowedMethods.join(', ') };
  if (rule.exposeHeaders && rule.exposeHeaders.length > 0) out['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  return out;
}

/** The CORS headers to add to a non-preflight answer (empty without Origin or a matching rule). */
export function corsResponseHeaders(rules: readonly CorsRule[], method: string, headers: IncomingHttpHeaders): Record<string, string> {
  const origin = header(headers, 'origin');
  if (origin === undefined || rules.length === 0) return {};
  const rule = firstRule(rules, origin, method.toUpperCase(), []);
  return rule ? commonHeaders(rule, origin) : {};
}

/**
 * Answers a preflight: the headers of a 200, or throws 403 AccessForbidden when no rule
 * allows it (400 when the request lacks Origin or Access-Control-Request-Method).
 */
export function answerPreflight(rules: readonly CorsRule[], headers: IncomingHttpHeaders): Record<string, string> {
  const origin = header(headers, 'origin');
  const method = header(headers, 'access-control-request-method');
  if (origin === undefined || method === undefined) {
    throw new OssError(400, 'InvalidArgument', 'Insufficient information. Origin request header and Access-Control-Request-Method are needed.');
  }
  const requested = (header(headers, 'access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const rule = firstRule(rules, origin, method.toUpperCase(), requested);
  if (!rule) {
    throw new OssError(
      403,
      'AccessForbidden',
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  }
  const out = commonHeaders(rule, origin);
  if (requested.length > 0) out['Access-Control-Allow-Headers'] = requested.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return out;
}
