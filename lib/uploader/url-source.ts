/**
 * Fetching an http(s) url source without opening a door into the function's network
 * (docs/architecture.md#security-model).
 *
 * - The address check runs on the address actually connected to: host names go through
 *   a `lookup` that checks every resolved address before the socket connects, so a name
 *   that resolves (or re-resolves: DNS rebinding) to 169.254.169.254 is refused; literal
 *   IPs are checked before the request, as Node does not call `lookup` for them.
 * - Redirects are followed by hand, at most `maxRedirects`, each target checked again.
 * - The socket timeout covers connecting and every idle gap of the response.
 * - 404/410/403/401 and other 4xx are permanent; 408, 429, 5xx, timeouts and network
 *   failures are transient.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusalOf, type AddressPolicy } from './address-policy';
import { SourceError } from './errors';
import type { OpenedSource } from './sources';

/** Resolves a host name to all its addresses (dns.lookup with `all: true` by default). */
export type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;

export interface UrlSourceOptions {
  timeoutMs: number;
  maxRedirects: number;
  addresses: AddressPolicy;
  /** Name resolution; tests map test host names to chosen addresses. */
  resolve?: Resolver;
}

const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family: family as 0 | 4 | 6 }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'oss-upload-callback-fc/uploader';

/**
 * A `lookup` for http.request that refuses host names resolving to an address the policy
 * forbids. Every address is checked, not only the first, so a name cannot mix a public
 * address with a forbidden one and hope for the second to be picked.
 *
 * @example http.get(url, { lookup: guardedLookup(policy) })
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options.family === 4 || options.family === 6 ? options.family : 0).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        for (const { address } of addresses) {
          const refusal = refusalOf(address, policy);
          if (refusal) {
            callback(new SourceError('source_address_refused', `source host ${hostname} resolves to a refused ${refusal}`, true), '', 0);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function checkTarget(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceError('source_url_refused', `source URL must be http or https, got ${url.protocol}`, true);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    const refusal = refusalOf(host, policy);
    if (refusal) throw new SourceError('source_address_refused', `source URL points at a refused ${refusal}`, true);
  }
}

/** Strips user info and query from a URL for messages: queries often carry signatures. */
function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function networkError(error: NodeJS.ErrnoException, url: URL): SourceError {
  if (error instanceof SourceError) return error;
  if (error.code === 'ENOTFOUND') return new SourceError('source_host_not_found', `source host ${url.hostname} does not resolve`, true, { cause: error });
  // Node's own words say the most ('connect ECONNREFUSED 127.0.0.1:9', 'read ECONNRESET')
  // and hold no secret: an address and a syscall, never the URL's query.
  return new SourceError('source_network', `fetching ${safeUrl(url)} failed: ${error.message || error.code}`, false, { cause: error });
}

function request(url: URL, options: UrlSourceOptions, lookup: LookupFunction): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const timeout = (): SourceError => new SourceError('source_timeout', `source ${safeUrl(url)} was silent for ${options.timeoutMs} ms`, false);
    let response: IncomingMessage | undefined;
    const req = client.request(url, {
      method: 'GET',
      headers: { 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity' },
      lookup,
      timeout: options.timeoutMs,
      // A fresh connection per source: a pooled socket would skip the address check of this request.
      agent: false,
    });
    req.on('timeout', () => {
      // After the headers, the body stream is what the reader sees: fail it, not the request.
      if (response) response.destroy(timeout());
      else req.destroy(timeout());
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!response) reject(networkError(error, url));
    });
    req.on('response', (res) => {
      response = res;
      resolve(res);
    });
    req.end();
  });
}

function statusError(status: number, url: URL): SourceError {
  const where = safeUrl(url);
  if (status === 404 || status === 410) return new SourceError('source_not_found', `source ${where} answered ${status}`, true);
  if (status === 401 || status === 403) return new SourceError('source_forbidden', `source ${where} answered ${status}`, true);
  const transient = status >= 500 || status === 408 || status === 429;
  return new SourceError('source_http_error', `source ${where} answered ${status}`, !transient);
}

function contentLength(res: IncomingMessage): number | undefined {
  const raw = res.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  // A compressed body's length is not the length we store.
  const encoding = res.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return undefined;
  return Number(raw);
}

/**
 * Opens an http(s) source: the response body as a stream, with its length and type when
 * the server gave them. Throws SourceError (permanent or not) for refusals and failures.
 *
 * @example
 * const { stream, length } = await openUrlSource('https://example.com/a.jpg', { timeoutMs: 30000, maxRedirects: 5, addresses });
 */
export async function openUrlSource(source: string, options: UrlSourceOptions): Promise<OpenedSource> {
  const lookup = guardedLookup(options.addresses, options.resolve);
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new SourceError('source_url_refused', 'source URL is not a valid URL', true);
  }
  for (let redirects = 0; ; redirects += 1) {
    checkTarget(url, options.addresses);
    const res = await request(url, options, lookup);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.resume();
      const location = res.headers.location;
      if (!location) throw new SourceError('source_http_error', `source ${safeUrl(url)} answered ${status} without a Location`, true);
      if (redirects >= options.maxRedirects) {
        throw new SourceError('source_too_many_redirects', `source redirected more than ${options.maxRedirects} times`, true);
      }
      try {
        url = new URL(location, url);
      } catch {
        throw new SourceError('source_http_error', `source ${safeUrl(url)} redirected to an invalid URL`, true);
      }
      continue;
    }
    if (status < 200 || status > 299 || status === 206) {
      res.resume();
      throw statusError(status, url);
    }
    const type = res.headers['content-type'];
    const length = contentLength(res);
    return { stream: res, ...(length !== undefined ? { length } : {}), ...(type ? { contentType: type } : {}) };
  }
}
