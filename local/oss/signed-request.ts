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

