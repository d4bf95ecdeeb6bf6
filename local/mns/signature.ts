/**
 * MNS request signatures (https://www.alibabacloud.com/help/doc-detail/27487.htm):
 *
 *   Authorization: MNS <AccessKeyId>:base64(hmac-sha1(secret,
 *     METHOD \n Content-MD5 \n Content-Type \n Date \n CanonicalizedMNSHeaders CanonicalizedResource))
 *
 * CanonicalizedMNSHeaders is every `x-mns-*` header, name lower-cased, sorted, each as
 * `name:value\n`; CanonicalizedResource is the request URI as sent (path and query).
 * `@alicloud/mns` signs exactly this way (lib/client.js `sign`, lib/helper.js
 * `getCanonicalizedMNSHeaders`), with the un-encoded query it puts on the wire.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { headerText } from '../serve';

/** The date a request is signed with: `Date`, or `x-mns-date` which may stand in for it. */
export function signedDate(headers: IncomingHttpHeaders): string {
  return headerText(headers, 'date') || headerText(headers, 'x-mns-date') || '';
}

/**
 * The string MNS signs for a request (Node lower-cases incoming header names already).
 *
 * @example stringToSign('GET', { date: 'Thu, 09 Jul 2015 03:01:34 GMT', 'x-mns-version': '2015-06-06' }, '/MyQueue')
 * // 'GET\n\n\nThu, 09 Jul 2015 03:01:34 GMT\nx-mns-version:2015-06-06\n/MyQueue'
 */
export function stringToSign(method: string, headers: IncomingHttpHeaders, resource: string): string {
  const mnsHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${headerText(headers, name) ?? ''}\n`)
    .join('');
  return `${method.toUpperCase()}\n${headerText(headers, 'content-md5') ?? ''}\n${headerText(headers, 'content-type') ?? ''}\n${signedDate(headers)}\n${mnsHeaders}${resource}`;
}

/** base64(HMAC-SHA1(secret, text)). */
export function mnsSignature(accessKeySecret: string, text: string): string {
  return createHmac('sha1', accessKeySecret).update(text, 'utf8').digest('base64');
}

/** The key id and signature of an `Authorization: MNS id:signature` header, or undefined. */
export function parseAuthorization(value: string): { accessKeyId: string; signature: string } | undefined {
  const match = /^MNS ([^:\s]+):(\S+)$/.exec(value.trim());
  return match ? { accessKeyId: match[1]!, signature: match[2]! } : undefined;
}

/** Compares two signatures without leaking where they differ. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
