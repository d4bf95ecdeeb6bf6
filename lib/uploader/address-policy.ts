/**
 * Which network addresses a url source may be fetched from (docs/architecture.md#security-model).
 *
 * Three classes:
 * - `metadata`: link-local (169.254.0.0/16, fe80::/10) and cloud metadata services
 *   (Alibaba Cloud's 100.100.100.200, AWS's IPv6 fd00:ec2::254). Whoever reaches them
 *   from inside a function can read its role's credentials. Refused unless
 *   `allowMetadata`.
 * - `private`: loopback, RFC 1918, CGNAT (100.64.0.0/10, where Alibaba Cloud puts its
 *   internal services), unique-local IPv6, unspecified, multicast and reserved ranges.
 *   Refused unless `allowPrivate` (the local stack serves sources on 127.0.0.1).
 * - `public`: everything else; always allowed.
 *
 * The metadata check runs first, so `allowPrivate` never opens 100.100.100.200 although
 * it lies inside 100.64.0.0/10. IPv4-mapped IPv6 addresses (`::ffff:169.254.169.254`)
 * are matched against the IPv4 rules (net.BlockList does this).
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'private' | 'metadata';

/** What the uploader may fetch from. */
export interface AddressPolicy {
  allowPrivate: boolean;
  allowMetadata: boolean;
}

const METADATA = new BlockList();
METADATA.addSubnet('169.254.0.0', 16, 'ipv4');
METADATA.addAddress('100.100.100.200', 'ipv4');
METADATA.addSubnet('fe80::', 10, 'ipv6');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('ff00::', 8, 'ipv6');

/**
 * The class of an IP address (without brackets). Throws TypeError for a non-IP string.
 *
 * @example classifyAddress('100.100.100.200') // => 'metadata'
 * @example classifyAddress('::ffff:10.0.0.1') // => 'private'
 */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (METADATA.check(address, type)) return 'metadata';
  if (PRIVATE.check(address, type)) return 'private';
  return 'public';
}

/**
 * Why the policy refuses an address, or undefined when it may be used.
 *
 * @example refusalOf('169.254.169.254', { allowPrivate: true, allowMetadata: false })
 * // => 'link-local or metadata address 169.254.169.254'
 */
export function refusalOf(address: string, policy: AddressPolicy): string | undefined {
  const kind = classifyAddress(address);
  if (kind === 'metadata' && !policy.allowMetadata) return `link-local or metadata address ${address}`;
  if (kind === 'private' && !policy.allowPrivate) return `private or loopback address ${address}`;
  return undefined;
}
