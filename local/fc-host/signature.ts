import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerText } from '../serve';

/**
 * FC's 2016-08-15 API request signature, as @alicloud/fc2 computes it
 * (node_modules/@alicloud/fc2/lib/helper.js `composeStringToSign`, lib/client.js
 * `signString` and `getSignature`):
 *
 *   METHOD \n Content-MD5 \n Content-Type \n Date \n <x-fc-* headers> <path>[\n sorted queries]
 *
 * where each `x-fc-*` header is `name:value\n` with the name lowercased and trimmed, in
 * sorted order, and the path is the unencoded `/2016-08-15/...` path. Queries are only
 * signed for `/proxy/` paths. The signature is Base64 HMAC-SHA256 with the key secret;
 * the header is `Authorization: FC <accessKeyId>:<signature>`.
 */

/** Request headers as Node gives them (lowercase names). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The string FC signs for a request.
 *
 * @example
 * stringToSign('POST', '/2016-08-15/services/s/functions/f/invocations', req.headers)
 */
export function stringToSign(method: string, path: string, headers: HeaderBag, queries?: Record<string, string | string[]>): string {
  const fcHeaders = Object.keys(headers)
    .map((name) => ({ name: name.toLowerCase().trim(), value: headerText(headers, name) ?? '' }))
    .filter((h) => h.name.startsWith('x-fc-'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const canonical = fcHeaders.map((h) => `${h.name}:${h.value}\n`).join('');
  let text = `${method}\n${headerText(headers, 'content-md5') ?? ''}\n${headerText(headers, 'content-type') ?? ''}\n${headerText(headers, 'date') ?? ''}\n${canonical}${path}`;
  if (queries) {
    const params: string[] = [];
    for (const [key, values] of Object.entries(queries)) {
      for (const value of Array.isArray(values) ? values : [values]) params.push(`${key}=${value}`);
    }
    params.sort();
    text += '\n' + params.join('\n');
  }
  return text;
}

/** Base64 HMAC-SHA256 of `text` with `secret`. */
export function sign(text: string, secret: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64');
}

/** The parts of an `Authorization: FC <id>:<signature>` header, or undefined if malformed. */
export function parseAuthorization(header: string | undefined): { accessKeyId: string; signature: string } | undefined {
  if (!header) return undefined;
  const match = /^FC ([^:\s]+):(\S+)$/.exec(header.trim());
  if (!match) return undefined;
  return { accessKeyId: match[1], signature: match[2] };
}

/** Compares two signatures in constant time (length leaks only). */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
