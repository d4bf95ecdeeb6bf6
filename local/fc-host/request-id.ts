import { randomBytes } from 'node:crypto';

/**
 * A request id in FC 3.0's form, `1-<epoch seconds, 8 hex>-<24 hex>` (as in the HTTP
 * trigger docs' example `1-64f6cd87-…`).
 *
 * @example
 * newRequestId(); // '1-6650c1a2-3f2b9c0d1e4a5b6c7d8e9f00'
 */
export function newRequestId(now = Date.now()): string {
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
  return `1-${seconds}-${randomBytes(12).toString('hex')}`;
}
