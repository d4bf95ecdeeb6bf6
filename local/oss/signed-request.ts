/** What a request signature covers, taken from the incoming request. */
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of a request that OSS's signatures (V1 and V4) are computed over. */
export interface SignedRequest {
  method: string;
  /** As Node parsed them: lower-case names, values decoded as Latin-1 (one char per byte). */
  headers: IncomingHttpHeaders;
  bucket?: string;
  /** Decoded object key. */
  key?: string;
  query: URLSearchParams;
}

/**
 * One header as a single string (repeated headers joined with ','), or undefined.
 *
 * @example headerValue({ 'x-oss-date': '20231216T162057Z' }, 'x-oss-date') // => '20231216T162057Z'
 */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
