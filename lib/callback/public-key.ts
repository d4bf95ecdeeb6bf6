/**
 * OSS callback public keys: which key URLs we trust, OSS's pinned v1 key, and a
 * single-flight, TTL cache of fetched keys held as KeyObjects (parsing a PEM costs
 * about 20 verifications, so a verifier must never parse one per request).
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
 * OSS's callback key (`callback_pub_key_v1.pem`, 512-bit RSA). It has never changed, so
 * it is pinned: verifying a real OSS callback needs no network, even on a cold start.
 */
export const OSS_CALLBACK_PUBLIC_KEY_V1_PEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`;

const PINNED_URLS = ['https://gosspublic.alicdn.com/callback_pub_key_v1.pem', 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem'];

export type PublicKeyReason = 'pub_key_url_not_allowed' | 'pub_key_fetch_failed';

/** A key URL we will not use, or a key we could not get. */
export class PublicKeyError extends ReasonedError<PublicKeyReason> {}

/**
 * Reads `CALLBACK_PUBKEY_URL_PREFIXES` (comma-separated). Unset or empty means OSS's
 * own prefixes. Each prefix must be an http(s) URL ending in `/`, so that a prefix can
 * never match a longer host name.
 *
 * @example allowedPrefixesFromEnv({ CALLBACK_PUBKEY_URL_PREFIXES: 'http://127.0.0.1:9000/__emulator/' })
 */
export function allowedPrefixesFromEnv(env: Record<string, string | undefined> = process.env): readonly string[] {
  const raw = env.CALLBACK_PUBKEY_URL_PREFIXES;
  if (raw === undefined || raw.trim() === '') return OSS_PUBLIC_KEY_URL_PREFIXES;
  return parsePrefixes(raw.split(','), 'CALLBACK_PUBKEY_URL_PREFIXES');
}

/** Checks a list of allowed key-URL prefixes; throws a plain Error naming `source`. */
export function parsePrefixes(list: readonly string[], source = 'allowedKeyUrlPrefixes'): readonly string[] {
  const prefixes = list.map((p) => p.trim()).filter((p) => p !== '');
  if (prefixes.length === 0) throw new Error(`${source} must list at least one URL prefix`);
  for (const prefix of prefixes) {
    let url: URL | undefined;
    try {
      url = new URL(prefix);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !prefix.endsWith('/') || url.username || url.password || url.pathname === '' || prefix.includes('?') || prefix.includes('#')) {
      throw new Error(`${source}: ${JSON.stringify(prefix)} must be an http(s) URL ending in "/"`);
    }
  }
  return Object.freeze(prefixes);
}

/**
 * Throws PublicKeyError unless `url` starts with one of `prefixes`, both as written and
 * once normalised by the URL parser (which catches tricks such as backslashes, userinfo
 * or dot segments that a plain string comparison would let through).
 */
export function assertKeyUrlAllowed(url: string, prefixes: readonly string[]): void {
  const refuse = (): never => {
    throw new PublicKeyError('pub_key_url_not_allowed', 'the public key URL is not under an allowed prefix');
  };
  if (!prefixes.some((p) => url.startsWith(p))) refuse();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse();
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') refuse();
  if (!prefixes.some((p) => parsed.href.startsWith(p))) refuse();
}

export interface PublicKeyCacheOptions {
  /** How long a fetched key is trusted before it is fetched again (default 1 h). */
  ttlMs?: number;
  /** Fetch timeout, connect to last byte (default 3 s). */
  fetchTimeoutMs?: number;
  /** Largest key document accepted (default 16 KiB). */
  maxKeyBytes?: number;
}

interface CacheEntry {
  key: KeyObject;
  expiresAt: number;
}

/**
 * KeyObjects by key URL. OSS's v1 key is present from the start under its http and
 * https URLs and never expires. Other keys are fetched once however many requests wait
 * for them, with a timeout, no redirects and a size cap; a failure is not cached.
 *
 * @example
 * const cache = new PublicKeyCache();
 * const key = await cache.get('https://gosspublic.alicdn.com/callback_pub_key_v1.pem'); // no network
 */
export class PublicKeyCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<KeyObject>>();
  private readonly ttlMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly maxKeyBytes: number;
  /** Number of network fetches started, for tests and benchmarks. */
  fetches = 0;

  constructor(options: PublicKeyCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 3000;
    this.maxKeyBytes = options.maxKeyBytes ?? 16 * 1024;
    const pinned = createPublicKey(OSS_CALLBACK_PUBLIC_KEY_V1_PEM);
    for (const url of PINNED_URLS) this.entries.set(url, { key: pinned, expiresAt: Number.POSITIVE_INFINITY });
  }

  /** The cached key for `url` if it is fresh, without any I/O (the hot path). */
  peek(url: string): KeyObject | undefined {
    const entry = this.entries.get(url);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== Number.POSITIVE_INFINITY && entry.expiresAt <= Date.now()) {
      this.entries.delete(url);
      return undefined;
    }
    return entry.key;
  }

  /** The key for `url`, fetched if needed. The URL must already be allowed. */
  get(url: string): Promise<KeyObject> {
    const cached = this.peek(url);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inflight.get(url);
    if (pending === undefined) {
      pending = this.fetchKey(url).then(
        (key) => {
          this.entries.set(url, { key, expiresAt: Date.now() + this.ttlMs });
          this.inflight.delete(url);
          return key;
        },
        (error: unknown) => {
          this.inflight.delete(url);
          throw error;
        },
      );
      this.inflight.set(url, pending);
    }
    return pending;
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
