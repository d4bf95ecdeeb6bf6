/**
 * Key-by-key comparison of an event our emulators produce with an event FC produced
 * (test/conformance/fc-events/): the same keys at every level, the same JSON type for each
 * value, and every string in the format its spec names. The spec is checked against the
 * reference too, so a format can only be as loose as the real events make it, and every
 * string field of the reference must have one.
 */

/** A map whose keys vary (headers, query parameters): its keys and values are checked by pattern, not by name. */
export interface MapFormat {
  keys: RegExp;
  values: RegExp;
}

/** Path (`a.b.c`) → the format of the string there, or of the map there. */
export type ShapeSpec = Record<string, RegExp | MapFormat>;

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isMapFormat(format: RegExp | MapFormat | undefined): format is MapFormat {
  return format !== undefined && !(format instanceof RegExp);
}

/** Problems of one value against the spec alone (used for both sides). */
function formatProblems(value: unknown, path: string, spec: ShapeSpec, side: string): string[] {
  const format = spec[path];
  if (isMapFormat(format)) {
    if (kind(value) !== 'object') return [`${side} ${path}: expected a map, got ${kind(value)}`];
    const out: string[] = [];
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (!format.keys.test(key)) out.push(`${side} ${path}: key ${JSON.stringify(key)} does not match ${String(format.keys)}`);
      if (typeof v !== 'string' || !format.values.test(v)) out.push(`${side} ${path}.${key}: ${JSON.stringify(v)} does not match ${String(format.values)}`);
    }
    return out;
  }
  if (typeof value !== 'string') return [];
  if (format === undefined) return [`${path}: no format in the spec for this string field`];
  return format.test(value) ? [] : [`${side} ${path}: ${JSON.stringify(value)} does not match ${String(format)}`];
}

function walk(actual: unknown, reference: unknown, path: string, spec: ShapeSpec, out: string[]): void {
  const here = path === '' ? '(top)' : path;
  if (kind(actual) !== kind(reference)) {
    out.push(`${here}: ${kind(actual)} where the reference has ${kind(reference)}`);
    return;
  }
  if (isMapFormat(spec[path]) || kind(reference) !== 'object') {
    out.push(...formatProblems(reference, path, spec, 'reference'), ...formatProblems(actual, path, spec, 'actual'));
    return;
  }
  const a = actual as Record<string, unknown>;
  const r = reference as Record<string, unknown>;
  const prefix = path === '' ? '' : `${path}.`;
  for (const key of Object.keys(r)) if (!(key in a)) out.push(`${prefix}${key}: missing (the reference has it)`);
  for (const key of Object.keys(a)) if (!(key in r)) out.push(`${prefix}${key}: extra (the reference has no such key)`);
  for (const key of Object.keys(r)) if (key in a) walk(a[key], r[key], `${prefix}${key}`, spec, out);
}

/**
 * Every difference between `actual` and `reference` under `spec`; empty when they agree.
 * Objects are compared key by key, arrays are not expected (compare their elements).
 *
 * @example
 * shapeDifferences({ time: '2026-01-01T00:00:00Z' }, { time: '2021-04-08T06:28:17.093Z' }, { time: ISO_TIME })
 * // => []
 */
export function shapeDifferences(actual: unknown, reference: unknown, spec: ShapeSpec): string[] {
  const out: string[] = [];
  walk(actual, reference, '', spec, out);
  // A format for a field the reference lacks would check nothing: the spec is stale.
  for (const path of Object.keys(spec)) {
    let node: unknown = reference;
    for (const key of path.split('.')) node = kind(node) === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (node === undefined) out.push(`${path}: in the spec but not in the reference`);
  }
  return out;
}

/** RFC 3339 UTC with optional fractional seconds, as the MNS events write `time` (`2022-07-22T06:34:27.9Z` also occurs). */
export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;
/** An Alibaba Cloud account id, or the masked forms the published samples use. */
const ACCOUNT = String.raw`(?:\d{16}|\d{12}\*{4}|\d{3}\*{10}\d{3}|\$\{accountID\})`;

/** The formats of an MNS queue trigger event, as the three FC samples write them. */
export const MNS_EVENT_SPEC: ShapeSpec = {
  id: /^[0-9A-Za-z*-]+$/,
  source: /^MNS-[A-Za-z0-9_-]+-[A-Za-z0-9_-]+$/,
  specversion: /^1\.0$/,
  type: /^mns:Queue:SendMessage$/,
  datacontenttype: /^application\/json; ?charset=utf-8$/,
  subject: new RegExp(String.raw`^acs:mns:[a-z]{2}-[a-z0-9-]+:${ACCOUNT}:queues/[A-Za-z0-9-]+$`),
  time: ISO_TIME,
  aliyunaccountid: new RegExp(`^${ACCOUNT}$`),
  aliyunpublishtime: ISO_TIME,
  aliyunoriginalaccountid: new RegExp(`^${ACCOUNT}$`),
  aliyuneventbusname: /^MNS-[A-Za-z0-9_-]+-[A-Za-z0-9_-]+$/,
  aliyunregionid: /^[a-z]{2}-[a-z0-9-]+$/,
  aliyunpublishaddr: /^\d{1,3}\.\d{1,3}\.(?:\d{1,3}|[xX]{2,3})\.(?:\d{1,3}|[xX]{2,3})$/,
  'data.requestId': /^[0-9A-F]+[*x]*$/,
  'data.messageId': /^(?=.{32}$)[0-9A-F]+[*x]*$/,
  'data.messageBody': /^[\s\S]+$/,
};

/** The formats of an FC 3.0 HTTP trigger event, as devsapp/fc3's sample writes them. */
export const HTTP_EVENT_SPEC: ShapeSpec = {
  version: /^v1$/,
  rawPath: /^\/\S*$/,
  // Canonical MIME header names, as Go's net/textproto writes them (X-Acs-Content-Sha256).
  headers: { keys: /^[A-Z0-9][a-z0-9]*(?:-[A-Z0-9][a-z0-9]*)*$/, values: /^[^\r\n]*$/ },
  queryParameters: { keys: /^[\s\S]*$/, values: /^[\s\S]*$/ },
  body: /^[\s\S]*$/,
  'requestContext.accountId': /^[0-9*]{16}$/,
  'requestContext.triggerId': /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  'requestContext.domainName': /^[A-Za-z0-9*.-]+$/,
  'requestContext.domainPrefix': /^[A-Za-z0-9*-]+$/,
  // Empty in the sample (an API invocation); `1-64f6cd87-…` in the HTTP trigger docs.
  'requestContext.requestId': /^(?:|1-[0-9a-f]{8}-[0-9a-f*]+)$/,
  'requestContext.time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
  'requestContext.timeEpoch': /^\d{13}$/,
  'requestContext.http.method': /^[A-Z]+$/,
  'requestContext.http.path': /^\/.*$/,
  'requestContext.http.protocol': /^HTTP\/1\.1$/,
  'requestContext.http.sourceIp': /^\d{1,3}(?:\.\d{1,3}){3}$/,
  'requestContext.http.userAgent': /^[^\r\n]*$/,
};
