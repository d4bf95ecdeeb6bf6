/**
 * OSS callback public keys: which key URLs we trust, OSS's pinned v1 key, and a bounded
 * cache of fetched keys held as KeyObjects (parsing a PEM costs about 20 verifications,
 * so a verifier must never parse one per request).
 *
 * The key URL comes from the request, and a key must be fetched before the signature
 * can be checked, so whoever can reach the callback URL chooses what is fetched. Hence:
 * key URLs are accepted only in one canonical spelling under an allowed prefix, the
 * cache is bounded (LRU) and drops expired keys, failures are remembered for a while,
 * and all fetches together are limited per minute. OSS's own key is pinned, so real
 * OSS callbacks never need a fetch and are not slowed by any of this.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ReasonedError } from '../errors';

/** Key URL prefixes OSS uses. The trailing slash rules out `gosspublic.alicdn.com.evil.com`. */
export const OSS_PUBLIC_KEY_URL_PREFIXES: readonly string[] = Object.freeze([
  'https://gosspublic.alicdn.com/',
  'http://gosspublic.alicdn.com/',
]);

/**
 * OSS's callback key, `https://gosspublic.alicdn.com/callback_pub_key_v1.pem` (512-bit
 * RSA): the key URL of the signed example request in OSS's Callback reference
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback), and both
 * signed vectors in test/conformance/callbacks/ (that example and a captured real callback)
 * verify with it. It is pinned: verifying a real OSS callback needs no network, even on
 * a cold start or during a flood of forged requests with other key URLs.
 */
export const OSS_CALLBACK_PUBLIC_KEY_V1_PEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`;

const PINNED_URLS = ['https://gosspublic.alicdn.com/callback_pub_key_v1.pem', 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem'];

/** Fetches allowed per minute (per instance) when nothing else is configured. */
export const DEFAULT_KEY_FETCHES_PER_MINUTE = 5;

export type PublicKeyReason = 'pub_key_url_not_allowed' | 'pub_key_fetch_failed' | 'pub_key_fetch_limited';

/** A key URL we will not use, or a key we could not (or will not now) get. */
export class PublicKeyError extends ReasonedError<PublicKeyReason> {}

/** A path segment of a canonical key URL: RFC 3986 unreserved characters only, so no `%`. */
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * Whether `url` is a key URL (or, with `directory`, a prefix ending in `/`) in the one
 * spelling we accept: http or https, no userinfo, no query or fragment (not even an
 * empty `?` or `#`), a path of unreserved characters without `.` or `..` segments or
 * empty segments, and exactly as the WHATWG URL parser writes it back — so upper-case
 * schemes or hosts, default ports, backslashes, numeric host spellings and
 * percent-encoding are all refused rather than normalised. Every spelling the parser
 * would turn into another URL is therefore refused: a URL is fetched and cached under
 * the same string the request carried.
 *
 * @example isCanonicalKeyUrl('https://gosspublic.alicdn.com/callback_pub_key_v1.pem')  // => true
 * @example isCanonicalKeyUrl('https://gosspublic.alicdn.com/x/../callback_pub_key_v1.pem') // => false
 */
export function isCanonicalKeyUrl(url: string, directory = false): boolean {
  if (url.includes('?') || url.includes('#') || url.includes('%')) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.href !== url || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  const segments = parsed.pathname.split('/').slice(1);
  if (directory) {
    if (segments.pop() !== '') return false;
  }
  return segments.every((segment) => PATH_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

/**
 * Reads `CALLBACK_PUBKEY_URL_PREFIXES` (comma-separated). Unset or empty means OSS's
 * own prefixes. Each prefix must be a canonical http(s) URL ending in `/`, so that a
 * prefix can never match a longer host name.
 *
 * @example allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: 'http://127.0.0.1:9000/__emulator/' })
 */
export function allowedPrefixesFromEnv(env: Record<string, string | undefined> = process.env): readonly string[] {
  const raw = env.CALLBACK_PUBKEY_URL_PREFIXES;
  if (raw === undefined || raw.trim() === '') return OSS_PUBLIC_KEY_URL_PREFIXES;
  return parsePrefixes(raw.split(','), 'CALLBACK_PUBKEY_URL_PREFIXES');
}

/**
 * Checks a list of allowed key-URL prefixes; throws a plain Error naming `source` and
 * the entry's position (never its text: the list is configuration).
 */
export function parsePrefixes(list: readonly string[], source = 'allowedKeyUrlPrefixes'): readonly string[] {
  const prefixes = list.map((p) => p.trim()).filter((p) => p !== '');
  if (prefixes.length === 0) throw new Error(`${source} must list at least one URL prefix`);
  prefixes.forEach((prefix, index) => {
    if (!isCanonicalKeyUrl(prefix, true)) {
      throw new Error(`${source}: entry #${index + 1} must be a canonical http(s) URL ending in "/" (lower-case host, no default port, userinfo, query, "%" or dot segments)`);
    }
  });
  return Object.freeze(prefixes);
}

/**
 * Throws PublicKeyError('pub_key_url_not_allowed') unless `url` is canonical (see
 * {@link isCanonicalKeyUrl}) and starts with one of `prefixes` (themselves canonical,
 * ending in `/`). Both checks are on the one string, so what is checked is what is fetched.
 */
export function assertKeyUrlAllowed(url: string, prefixes: readonly string[]): void {
  if (!isCanonicalKeyUrl(url)) throw new PublicKeyError('pub_key_url_not_allowed', 'the public key URL is not in canonical form');
  if (!prefixes.some((p) => url.startsWith(p))) throw new PublicKeyError('pub_key_url_not_allowed', 'the public key URL is not under an allowed prefix');
}

export interface PublicKeyCacheOptions {
  /** How long a fetched key is trusted before it is fetched again (default 1 h). */
  ttlMs?: number;
  /** Fetched keys kept at most, least recently used dropped first (default 16; the pinned key is extra). */
  maxKeys?: number;
  /** How long a failed fetch is remembered and answered without fetching again (default 30 s). */
  failureTtlMs?: number;
  /** Failed URLs remembered at most (default 64). */
  maxFailures?: number;
  /** Fetches started at most in any 60 s, all URLs together (default {@link DEFAULT_KEY_FETCHES_PER_MINUTE}). */
  fetchesPerMinute?: number;
  /** Fetch timeout, connect to last byte (default 3 s). */
  fetchTimeoutMs?: number;
  /** Largest key document accepted (default 16 KiB). */
  maxKeyBytes?: number;
  /** The clock (tests). */
  now?: () => number;
}

interface CacheEntry {
  key: KeyObject;
  expiresAt: number;
}

interface FailureEntry {
  error: PublicKeyError;
  until: number;
}

const MINUTE_MS = 60_000;

/**
 * KeyObjects by key URL. OSS's v1 key is present from the start under its http and
 * https URLs and never expires nor leaves. Other keys are fetched with a timeout, no
 * redirects and a size cap; one fetch per URL however many requests wait for it
 * (single flight), at most `fetchesPerMinute` fetches in any minute for all URLs
 * together (the rest are refused with `pub_key_fetch_limited`, not queued), at most
 * `maxKeys` keys kept (LRU, expired ones dropped whenever a key is added), and a failed
 * fetch is remembered for `failureTtlMs`. Memory is therefore bounded whatever the
 * requests carry, and so is the number of outgoing fetches.
 *
 * @example
 * const cache = new PublicKeyCache();
 * const key = await cache.get('https://gosspublic.alicdn.com/callback_pub_key_v1.pem'); // no network
 */
export class PublicKeyCache {
  private readonly pinned = new Map<string, KeyObject>();
  /** Map order is the LRU order: least recently used first. */
  private readonly entries = new Map<string, CacheEntry>();
  private readonly failures = new Map<string, FailureEntry>();
  private readonly inflight = new Map<string, Promise<KeyObject>>();
  /** Start times of the fetches of the last minute, oldest first. */
  private readonly recentFetches: number[] = [];
  private readonly ttlMs: number;
  private readonly maxKeys: number;
  private readonly failureTtlMs: number;
  private readonly maxFailures: number;
  private readonly fetchesPerMinute: number;
  private readonly fetchTimeoutMs: number;
  private readonly maxKeyBytes: number;
  private readonly now: () => number;
  /** Number of network fetches started, for tests and benchmarks. */
  fetches = 0;

  constructor(options: PublicKeyCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 16;
    this.failureTtlMs = options.failureTtlMs ?? 30_000;
    this.maxFailures = options.maxFailures ?? 64;
    this.fetchesPerMinute = options.fetchesPerMinute ?? DEFAULT_KEY_FETCHES_PER_MINUTE;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 3000;
    this.maxKeyBytes = options.maxKeyBytes ?? 16 * 1024;
    this.now = options.now ?? Date.now;
    const pinned = createPublicKey(OSS_CALLBACK_PUBLIC_KEY_V1_PEM);
    for (const url of PINNED_URLS) this.pinned.set(url, pinned);
  }

  /** How many keys, remembered failures and fetches in flight the cache holds now. */
  sizes(): { keys: number; failures: number; inflight: number } {
    return { keys: this.entries.size, failures: this.failures.size, inflight: this.inflight.size };
  }

  /** The cached key for `url` if it is fresh, without any I/O (the hot path). */
  peek(url: string): KeyObject | undefined {
    const pinned = this.pinned.get(url);
    if (pinned !== undefined) return pinned;
    const entry = this.entries.get(url);
    if (entry === undefined) return undefined;
    this.entries.delete(url);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(url, entry); // most recently used now
    return entry.key;
  }

  /**
   * The key for `url`, fetched if needed. The URL must already be allowed. Rejects with
   * PublicKeyError: `pub_key_fetch_failed` (now, or remembered from a recent failure) or
   * `pub_key_fetch_limited` (this minute's fetches are used up).
   */
  get(url: string): Promise<KeyObject> {
    const cached = this.peek(url);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inflight.get(url);
    if (pending !== undefined) return pending;
    const now = this.now();
    const failure = this.failures.get(url);
    if (failure !== undefined) {
      if (failure.until > now) return Promise.reject(failure.error);
      this.failures.delete(url);
    }
    while (this.recentFetches.length > 0 && this.recentFetches[0]! <= now - MINUTE_MS) this.recentFetches.shift();
    if (this.recentFetches.length >= this.fetchesPerMinute) {
      return Promise.reject(new PublicKeyError('pub_key_fetch_limited', `more than ${this.fetchesPerMinute} public key fetches in a minute; try again later`));
    }
    this.recentFetches.push(now);
    const fetched = this.fetchKey(url).then(
      (key) => {
        this.inflight.delete(url);
        this.remember(url, key);
        return key;
      },
      (error: unknown) => {
        this.inflight.delete(url);
        const failed = error instanceof PublicKeyError ? error : new PublicKeyError('pub_key_fetch_failed', 'could not fetch the callback public key');
        this.failures.set(url, { error: failed, until: this.now() + this.failureTtlMs });
        if (this.failures.size > this.maxFailures) this.failures.delete(this.failures.keys().next().value!);
        throw failed;
      },
    );
    this.inflight.set(url, fetched);
    return fetched;
  }

  private remember(url: string, key: KeyObject): void {
    const now = this.now();
    for (const [cachedUrl, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(cachedUrl);
    this.entries.delete(url);
    this.entries.set(url, { key, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  private fetchKey(url: string): Promise<KeyObject> {
    this.fetches += 1;
    const fail = (why: string): PublicKeyError => new PublicKeyError('pub_key_fetch_failed', `could not fetch the callback public key: ${why}`);
    return new Promise<KeyObject>((resolve, reject) => {
      const client = url.startsWith('https:') ? https : http;
      const request = client.get(url, { timeout: this.fetchTimeoutMs, headers: { accept: '*/*' } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          // Redirects are refused on purpose: the allowed prefix must be where the key lives.
          reject(fail(`HTTP ${response.statusCode ?? 'status unknown'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxKeyBytes) {
            request.destroy();
            reject(fail(`key document larger than ${this.maxKeyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          try {
            resolve(createPublicKey(Buffer.concat(chunks)));
          } catch {
            reject(fail('the document is not a PEM public key'));
          }
        });
        response.on('error', () => reject(fail('the response broke off')));
      });
      const timer = setTimeout(() => {
        request.destroy();
        reject(fail(`no complete answer within ${this.fetchTimeoutMs} ms`));
      }, this.fetchTimeoutMs);
      request.on('close', () => clearTimeout(timer));
      request.on('timeout', () => {
        request.destroy();
        reject(fail(`no answer within ${this.fetchTimeoutMs} ms`));
      });
      request.on('error', (error: NodeJS.ErrnoException) => reject(fail(error.code ?? 'connection error')));
    });
  }
}
