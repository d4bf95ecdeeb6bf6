/**
 * Forged and malformed callbacks, generated with fast-check and sent over real HTTP to
 * the callback bundle's HTTP trigger on the local stack. Every case starts from a
 * callback that is validly signed (with a key the callback trusts, served under an
 * allowed prefix) and carries a valid job token, then breaks exactly one thing.
 *
 * Asserted: nothing accepted, no record written for any job id used, no handler crash or
 * failure, and every answer a 4xx JSON `{error, message}` whose reason is one the broken
 * thing can cause. Positive controls (odd header casing only) must be accepted, so a
 * refusal is never the test's own doing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { createJobToken } from '../../lib/protocol/token';
import { decodePathOnce, MAX_CALLBACK_BODY_BYTES } from '../../lib/callback/verify';
import { testKeyPair, type TestKeyPair } from '../support/oss-signer';
import { closeAgent, formBody, sendRaw, signedCallback, startReliabilityStack, tally, uploadValues, type BodyValues, type RawRequest, type RawResponse, type ReliabilityStack } from './harness';

const signer = testKeyPair(1024);
const stranger = testKeyPair(1024);
const FOREIGN_SECRET = 'a-secret-that-is-not-ours-0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let rs: ReliabilityStack;
let keys: KeyServer;
let base: string;
let trustedKeyUrl: string;

/** One request and what it may be refused for. */
interface Case {
  category: string;
  request: RawRequest;
  reasons: readonly string[];
  /** Job ids whose records must not exist afterwards. */
  jobIds: string[];
}

interface Result {
  category: string;
  status: number;
  reason: string;
}

const results: Result[] = [];
const usedJobIds = new Set<string>();
let serial = 0;
const nextJobId = (category: string): string => `fz-${category}-${++serial}`;

// ---------------------------------------------------------------------------------------
// A key server with a trusted area (allowed prefix) and an untrusted one that also serves
// the signer's key: only the prefix check keeps the verifier from using it.

interface KeyServer {
  origin: string;
  trustedPrefix: string;
  untrustedHits(): number;
  close(): Promise<void>;
}

async function startKeyServer(): Promise<KeyServer> {
  let untrustedHits = 0;
  const routes: Record<string, http.RequestListener> = {
    '/trusted/key.pem': (_req, res) => void res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(signer.publicPem),
    '/trusted/stranger.pem': (_req, res) => void res.writeHead(200).end(stranger.publicPem),
    '/trusted/garbage.pem': (_req, res) => void res.writeHead(200).end('-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n'),
    '/trusted/empty.pem': (_req, res) => void res.writeHead(200).end(),
    '/trusted/error.pem': (_req, res) => void res.writeHead(500).end('oops'),
    '/trusted/huge.pem': (_req, res) => {
      // A key document far over any sane size, streamed until the client gives up.
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      const line = Buffer.from(`${'A'.repeat(63)}\n`);
      let sent = 0;
      const pump = (): void => {
        while (sent < 8 * 1024 * 1024 && !res.destroyed) {
          sent += line.length;
          if (!res.write(line)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
    // Never answers: the verifier's fetch timeout must end it.
    '/trusted/slow.pem': () => undefined,
    // Answers, then trickles the key a byte at a time, slower than the fetch timeout allows.
    '/trusted/trickle.pem': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= signer.publicPem.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(signer.publicPem[i++]!);
      }, 250);
      res.on('close', () => clearInterval(timer));
    },
  };
  for (const status of [301, 302, 303, 307, 308]) {
    routes[`/trusted/redirect-${status}.pem`] = (req, res) => void res.writeHead(status, { location: `http://${req.headers.host}/untrusted/key.pem` }).end();
  }
  routes['/trusted/redirect-relative.pem'] = (_req, res) => void res.writeHead(302, { location: '../untrusted/key.pem' }).end();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/untrusted/')) {
      untrustedHits += 1;
      res.writeHead(200).end(signer.publicPem);
      return;
    }
    const route = routes[url];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  return {
    origin,
    trustedPrefix: `${origin}/trusted/`,
    untrustedHits: () => untrustedHits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------
// Building cases.

interface Valid {
  jobId: string;
  object: string;
  values: BodyValues;
}

function validValues(jobId: string, overrides: { bucket?: string; object?: string } = {}): Valid {
  const bucket = overrides.bucket ?? rs.stack.bucket;
  const object = overrides.object ?? `forged/${jobId}.txt`;
  const token = createJobToken([rs.stack.tokenSecret], { jobId, bucket, key: object, vars: {} });
  return { jobId, object, values: uploadValues({ bucket, object, jobId, token }) };
}

/** A validly signed request for `values`, sent to `path` (signed over `signPath`, default the same). */
function signed(values: BodyValues | Buffer, opts: { path?: string; signPath?: string; keyUrl?: string; key?: TestKeyPair; contentType?: string } = {}): RawRequest {
  const body = Buffer.isBuffer(values) ? values : formBody(values);
  return signedCallback((opts.key ?? signer).privateKey, opts.keyUrl ?? trustedKeyUrl, {
    body,
    bucket: rs.stack.bucket,
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.signPath ? { signPath: opts.signPath } : {}),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
  });
}

function setHeader(req: RawRequest, name: string, value: string | undefined): RawRequest {
  const headers = req.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  if (value !== undefined) headers.push([name, value]);
  return { ...req, headers };
}

function header(req: RawRequest, name: string): string {
  return req.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())![1];
}

function oddCase(name: string, flips: readonly boolean[]): string {
  return [...name].map((ch, i) => (flips[i % flips.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

/** A fresh valid callback for a new job id, its case, and the ids to check. */
function fresh(category: string, overrides?: { bucket?: string; object?: string }): Valid {
  const valid = validValues(nextJobId(category), overrides);
  usedJobIds.add(valid.jobId);
  return valid;
}

const SIGNATURE = ['authorization_malformed', 'authorization_missing', 'signature_mismatch'] as const;
const KEY_URL = ['pub_key_url_not_allowed', 'pub_key_url_malformed', 'pub_key_fetch_failed'] as const;
const TOKEN = ['token_missing', 'token_malformed', 'token_outdated', 'token_mismatch', 'token_expired'] as const;

/** Each category: how many runs, what it generates, and how that becomes a case. */
interface Category<T> {
  name: string;
  runs: number;
  arb: fc.Arbitrary<T>;
  build(value: T): Case;
}

function category<T>(c: Category<T>): Category<unknown> {
  return c as Category<unknown>;
}

const keyUrlTricks: ((o: string) => string)[] = [
  () => 'https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem',
  () => 'http://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem',
  () => 'https://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem',
  () => 'https://gosspublic.alicdn.com:443@evil.com/callback_pub_key_v1.pem',
  () => 'https://evil.com/gosspublic.alicdn.com/callback_pub_key_v1.pem',
  () => 'https://evil.com\\@gosspublic.alicdn.com/callback_pub_key_v1.pem',
  () => 'https://gosspublic.alicdn.com\\@evil.com/callback_pub_key_v1.pem',
  () => 'https://gosspublic.alicdn.com%2F@evil.com/callback_pub_key_v1.pem',
  () => 'ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem',
  () => 'file:///etc/passwd',
  () => 'data:text/plain;base64,AAAA',
  () => 'javascript:alert(1)',
  () => 'gopher://127.0.0.1:6379/_INFO',
  () => '//gosspublic.alicdn.com/callback_pub_key_v1.pem',
  () => 'http://169.254.169.254/latest/meta-data/',
  () => 'http://100.100.100.200/latest/meta-data/',
  (o) => `${o}/untrusted/key.pem`,
  (o) => `${o}/trusted/../untrusted/key.pem`,
  (o) => `${o}/trusted/%2e%2e/untrusted/key.pem`,
  (o) => `${o}/trusted/.%2E/untrusted/key.pem`,
  (o) => `${o}/trusted/..\\untrusted\\key.pem`,
  (o) => `${o}/trusted\\..\\untrusted/key.pem`,
  (o) => `${o}/trusted/./../untrusted/key.pem`,
  (o) => `${o}/trustedx/key.pem`,
  (o) => `${o}/trusted`,
  (o) => `${o}/trusted/key.pem?x=1`,
  (o) => `${o}/trusted/key.pem#frag`,
  (o) => `${o.replace('http:', 'HTTP:')}/trusted/key.pem`,
  (o) => `${o.replace('http:', 'https:')}/trusted/key.pem`,
  (o) => `${o.replace('127.0.0.1', '0x7f.0.0.1')}/trusted/key.pem`,
  (o) => `${o.replace('127.0.0.1', '2130706433')}/trusted/key.pem`,
  (o) => `${o.replace('127.0.0.1', 'localhost')}/trusted/key.pem`,
  (o) => `${o.replace('http://', 'http://user:pass@')}/trusted/key.pem`,
  (o) => `${o.replace('http://', 'http://evil.com@')}/trusted/key.pem`,
  (o) => `${o}@evil.com/trusted/key.pem`,
  (o) => `${o}/trusted/key.pem `,
  (o) => ` ${o}/trusted/key.pem`,
  (o) => `${o}/trusted/key\u0000.pem`,
  (o) => `${o}/trusted/k\u00e9y.pem`,
  (o) => `${o}/trusted/%2E%2E%2Funtrusted/key.pem`,
];

type KeyHeaderEncoding = 'base64' | 'raw' | 'base64url' | 'spaced' | 'double' | 'respelled' | 'utf16';

function encodeKeyUrl(url: string, encoding: KeyHeaderEncoding): string {
  const b64 = Buffer.from(url, 'utf8').toString('base64');
  switch (encoding) {
    case 'base64':
      return b64;
    case 'raw':
      return url;
    case 'base64url':
      return Buffer.from(url, 'utf8').toString('base64url');
    case 'spaced':
      return `${b64.slice(0, 8)} ${b64.slice(8)}`;
    case 'double':
      return Buffer.from(b64).toString('base64');
    case 'utf16':
      return Buffer.from(url, 'utf16le').toString('base64');
    case 'respelled': {
      const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
      if (padding === 0) return `${b64}=`;
      const at = b64.length - padding - 1;
      return b64.slice(0, at) + B64[B64.indexOf(b64[at]!) | 1] + b64.slice(at + 1);
    }
  }
}

function categories(): Category<unknown>[] {
  const allowedBucket = rs.stack.bucket;
  return [
    category({
      name: 'body-byte',
      runs: 70,
      arb: fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
      build: ({ at, xor }) => {
        const v = fresh('body-byte');
        const req = signed(v.values);
        const body = Buffer.from(req.body);
        body[at % body.length] ^= xor;
        return { category: 'body-byte', request: { ...req, body }, reasons: ['signature_mismatch'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'path-byte',
      runs: 50,
      arb: fc.record({ path: fc.constantFrom('/oss/callback', '/oss/callback/%E4%B8%AD%20x', '/cb', '/oss/callback/a+b'), at: fc.nat(), ch: fc.constantFrom(...'aZ09-._~%/') }),
      build: ({ path, at, ch }) => {
        const i = 1 + (at % (path.length - 1));
        const changed = path.slice(0, i) + ch + path.slice(i + 1);
        fc.pre(!decodePathOnce(changed).equals(decodePathOnce(path)));
        const v = fresh('path-byte');
        return { category: 'path-byte', request: signed(v.values, { path: changed, signPath: path }), reasons: ['signature_mismatch'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'query',
      runs: 40,
      arb: fc.record({
        mode: fc.constantFrom('added', 'changed', 'signed-with'),
        query: fc.stringMatching(/^[a-z][a-z0-9]{0,6}(=[a-z0-9%]{0,6})?(&[a-z][a-z0-9]{0,6}(=[a-z0-9]{0,6})?){0,2}$/),
        at: fc.nat(),
      }),
      build: ({ mode, query, at }) => {
        const v = fresh('query');
        const body = formBody(v.values);
        let request: RawRequest;
        if (mode === 'added') request = { ...signed(v.values), query };
        else {
          const sent = mode === 'changed' ? query.slice(0, at % query.length) + (query[at % query.length] === 'z' ? 'y' : 'z') + query.slice((at % query.length) + 1) : query;
          request = { ...signedCallback(signer.privateKey, trustedKeyUrl, { body, bucket: allowedBucket, query: sent, signQuery: query }) };
        }
        return { category: 'query', request, reasons: ['query_not_allowed', 'signature_mismatch'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'signature-char',
      runs: 70,
      arb: fc.record({ at: fc.nat(), ch: fc.constantFrom(...`${B64}=-_ *.`) }),
      build: ({ at, ch }) => {
        const v = fresh('signature-char');
        const req = signed(v.values);
        const sig = header(req, 'Authorization');
        const i = at % sig.length;
        fc.pre(sig[i] !== ch);
        return { category: 'signature-char', request: setHeader(req, 'Authorization', sig.slice(0, i) + ch + sig.slice(i + 1)), reasons: SIGNATURE, jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'signature-form',
      runs: 40,
      arb: fc.record({
        form: fc.constantFrom('base64url', 'oss-prefix', 'inner-space', 'truncated', 'doubled', 'unpadded', 'lowercase', 'random', 'other-body', 'stranger-key', 'respelled', 'hex'),
        n: fc.integer({ min: 1, max: 40 }),
        random: fc.uint8Array({ minLength: 128, maxLength: 128 }),
      }),
      build: ({ form, n, random }) => {
        const v = fresh('signature-form');
        const req = signed(v.values);
        const sig = header(req, 'Authorization');
        const raw = Buffer.from(sig, 'base64');
        const padding = sig.endsWith('==') ? 2 : sig.endsWith('=') ? 1 : 0;
        const forms: Record<string, () => string> = {
          base64url: () => raw.toString('base64url'),
          'oss-prefix': () => `OSS ${sig}`,
          'inner-space': () => `${sig.slice(0, n)} ${sig.slice(n)}`,
          truncated: () => sig.slice(0, Math.max(0, sig.length - n)),
          doubled: () => sig + sig,
          unpadded: () => sig.replace(/=+$/, ''),
          lowercase: () => sig.toLowerCase(),
          random: () => Buffer.from(random).toString('base64'),
          'other-body': () => header(signed(validValues('someone-else').values), 'Authorization'),
          'stranger-key': () => header(signed(v.values, { key: stranger }), 'Authorization'),
          respelled: () => {
            const at = sig.length - padding - 1;
            return padding === 0 ? `${sig}=` : sig.slice(0, at) + B64[B64.indexOf(sig[at]!) | (n % 3) + 1] + sig.slice(at + 1);
          },
          hex: () => raw.toString('hex'),
        };
        const value = forms[form]!();
        fc.pre(value !== sig);
        return { category: 'signature-form', request: setHeader(req, 'Authorization', value), reasons: SIGNATURE, jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'key-url',
      runs: 80,
      arb: fc.record({
        trick: fc.integer({ min: 0, max: keyUrlTricks.length - 1 }),
        encoding: fc.constantFrom<KeyHeaderEncoding>('base64', 'base64', 'base64', 'raw', 'base64url', 'spaced', 'double', 'respelled', 'utf16'),
      }),
      build: ({ trick, encoding }) => {
        const v = fresh('key-url');
        const url = keyUrlTricks[trick]!(keys.origin);
        // A raw header value cannot carry control or non-ASCII characters at all.
        fc.pre(encoding !== 'raw' || /^[\x20-\x7e]*$/.test(url));
        const req = setHeader(signed(v.values), 'x-oss-pub-key-url', encodeKeyUrl(url, encoding));
        return { category: 'key-url', request: req, reasons: KEY_URL, jobIds: [v.jobId] };
      },
    }),
    category({
      // Spellings of the trusted key's own URL: the key they name is the signer's, so the
      // signature would verify if any of them were normalised and fetched.
      name: 'key-url-spelling',
      runs: 40,
      arb: fc.constantFrom<(o: string) => string>(
        (o) => `${o}/trusted/key.pem?`,
        (o) => `${o}/trusted/key.pem#`,
        (o) => `${o}/trusted/x/../key.pem`,
        (o) => `${o}/trusted/./key.pem`,
        (o) => `${o}/trusted//key.pem`,
        (o) => `${o}/trusted/%6Bey.pem`,
        (o) => `${o}/trusted/key%2Epem`,
        (o) => `${o}/%74rusted/key.pem`,
        (o) => `${o}/untrusted/../trusted/key.pem`,
        (o) => `${o.replace('http:', 'HTTP:')}/trusted/key.pem`,
        (o) => `${o}/trusted\\key.pem`,
      ),
      build: (spell) => {
        const v = fresh('key-url-spelling');
        return { category: 'key-url-spelling', request: signed(v.values, { keyUrl: spell(keys.origin) }), reasons: ['pub_key_url_not_allowed'], jobIds: [v.jobId] };
      },
    }),
    category({
      // A JSON body, validly signed, with a valid token, that names one field twice.
      name: 'json-duplicate',
      runs: 30,
      arb: fc.record({ field: fc.constantFrom('bucket', 'object', 'etag', 'size', 'crc64', 'x:job_id', 'x:token', 'mimeType'), first: fc.boolean() }),
      build: ({ field, first }) => {
        const v = fresh('json-duplicate');
        const entries = Object.entries(v.values).filter(([, value]) => value !== '');
        const copy = `${JSON.stringify(field)}:${field === 'size' || field === 'crc64' ? '1' : JSON.stringify('forged')}`;
        const members = entries.map(([name, value]) => `${JSON.stringify(name)}:${name === 'size' ? value : JSON.stringify(value)}`);
        const body = Buffer.from(`{${first ? [copy, ...members].join(',') : [...members, copy].join(',')}}`);
        return { category: 'json-duplicate', request: signed(body, { contentType: 'application/json' }), reasons: ['malformed_body'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'key-server',
      runs: 40,
      arb: fc.constantFrom('redirect-301', 'redirect-302', 'redirect-303', 'redirect-307', 'redirect-308', 'redirect-relative', 'huge', 'garbage', 'empty', 'error', 'missing', 'stranger'),
      build: (route) => {
        const v = fresh('key-server');
        const req = signed(v.values, { keyUrl: `${keys.trustedPrefix}${route}.pem` });
        return { category: 'key-server', request: req, reasons: route === 'stranger' ? ['signature_mismatch'] : ['pub_key_fetch_failed'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'header-missing',
      runs: 30,
      arb: fc.record({
        which: fc.subarray(['Authorization', 'x-oss-pub-key-url'], { minLength: 1 }),
        how: fc.constantFrom('absent', 'empty', 'blank'),
      }),
      build: ({ which, how }) => {
        const v = fresh('header-missing');
        let req = signed(v.values);
        for (const name of which) req = setHeader(req, name, how === 'absent' ? undefined : how === 'empty' ? '' : '   ');
        return { category: 'header-missing', request: req, reasons: ['authorization_missing', 'pub_key_url_missing'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'header-duplicated',
      runs: 40,
      arb: fc.record({
        which: fc.constantFrom('Authorization', 'x-oss-pub-key-url', 'Content-Type'),
        second: fc.constantFrom('same', 'other'),
        flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        first: fc.boolean(),
      }),
      build: ({ which, second, flips, first }) => {
        const v = fresh('header-duplicated');
        const req = signed(v.values);
        const value = header(req, which);
        const others: Record<string, string> = {
          Authorization: header(signed(v.values, { key: stranger }), 'Authorization'),
          'x-oss-pub-key-url': Buffer.from(`${keys.trustedPrefix}stranger.pem`).toString('base64'),
          'Content-Type': 'application/json',
        };
        const copy: [string, string] = [oddCase(which, flips), second === 'same' ? value : others[which]!];
        const headers = [...req.headers];
        headers.splice(first ? 0 : headers.length, 0, copy);
        return {
          category: 'header-duplicated',
          request: { ...req, headers },
          reasons: ['authorization_malformed', 'pub_key_url_malformed', 'header_duplicated', 'unsupported_content_type'],
          jobIds: [v.jobId],
        };
      },
    }),
    category({
      name: 'header-lookalike',
      runs: 40,
      arb: fc.record({
        which: fc.constantFrom('Authorization', 'x-oss-pub-key-url'),
        lookalike: fc.constantFrom('Authorisation', 'Authorizations', 'X-Authorization', 'Proxy-Authorization', 'x-oss-pub-key_url', 'x-oss-pubkey-url', 'x-oss-pub-key-uri', 'x_oss_pub_key_url', 'oss-pub-key-url', 'x-oss-pub-key-url-'),
        flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      }),
      build: ({ which, lookalike, flips }) => {
        const v = fresh('header-lookalike');
        const req = signed(v.values);
        const value = header(req, which);
        // Every header oddly cased, and the signature header renamed to a look-alike.
        const headers = setHeader(req, which, undefined).headers.map(([n, val]): [string, string] => [oddCase(n, flips), val]);
        headers.push([oddCase(lookalike, flips), value]);
        return { category: 'header-lookalike', request: { ...req, headers }, reasons: ['authorization_missing', 'pub_key_url_missing'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'body-too-large',
      runs: 12,
      arb: fc.integer({ min: 1, max: 1024 * 1024 }),
      build: (extra) => {
        const v = fresh('body-too-large');
        const body = Buffer.concat([formBody(v.values), Buffer.from('&pad=')]);
        const padded = Buffer.concat([body, Buffer.alloc(MAX_CALLBACK_BODY_BYTES - body.length + extra, 0x61)]);
        return { category: 'body-too-large', request: signed(padded), reasons: ['body_too_large'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'method',
      runs: 30,
      arb: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      build: (method) => {
        const v = fresh('method');
        const req = signed(v.values);
        // A HEAD request has no body on the wire.
        return { category: 'method', request: { ...req, method, ...(method === 'HEAD' ? { body: Buffer.alloc(0) } : {}) }, reasons: ['method_not_allowed'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'token',
      runs: 120,
      arb: fc.record({
        kind: fc.constantFrom(
          'missing', 'empty', 'stale', 'malformed', 'version', 'truncated', 'extended', 'case', 'foreign-secret', 'other-job', 'other-object', 'other-bucket',
          'respelled', 'outdated', 'vars-swapped', 'vars-added', 'vars-removed',
        ),
        ageHours: fc.integer({ min: 25, max: 24 * 400 }),
        junk: fc.string({ maxLength: 60 }),
      }),
      build: ({ kind, ageHours, junk }) => {
        const v = fresh('token');
        const subject = { jobId: v.jobId, bucket: allowedBucket, key: v.object, vars: {} };
        const good = v.values['x:token']!;
        const tokens: Record<string, () => string | undefined> = {
          missing: () => undefined,
          empty: () => '',
          stale: () => createJobToken([rs.stack.tokenSecret], subject, Date.now() - ageHours * 3600_000),
          malformed: () => junk,
          version: () => good.replace(/^v1\./, 'v2.'),
          truncated: () => good.slice(0, -1 - (ageHours % 10)),
          extended: () => `${good}A`,
          case: () => good.replace(/[a-z]/, (c) => c.toUpperCase()),
          'foreign-secret': () => createJobToken([FOREIGN_SECRET], subject),
          'other-job': () => createJobToken([rs.stack.tokenSecret], { ...subject, jobId: `${v.jobId}-x` }),
          'other-object': () => createJobToken([rs.stack.tokenSecret], { ...subject, key: `${v.object}.bak` }),
          'other-bucket': () => createJobToken([rs.stack.tokenSecret], { ...subject, bucket: 'another-bucket' }),
          // The same MAC bytes with the unused low bits of the last character set.
          respelled: () => good.slice(0, -1) + B64URL[B64URL.indexOf(good.at(-1)!) | (1 + (ageHours % 3))],
          // A version 1 token as the previous release made it (no vars digest).
          outdated: () => {
            const iat = good.split('.')[1]!;
            const mac = createHmac('sha256', rs.stack.tokenSecret).update(JSON.stringify(['v1', iat, v.jobId, allowedBucket, v.object]), 'utf8').digest('base64url');
            return `v1.${iat}.${mac}`;
          },
          // The body carries vars its token was not made for (or lacks ones it was).
          'vars-swapped': () => createJobToken([rs.stack.tokenSecret], { ...subject, vars: { note: junk === 'x' ? 'y' : 'x' } }),
          'vars-added': () => good,
          'vars-removed': () => createJobToken([rs.stack.tokenSecret], { ...subject, vars: { note: 'x', extra: junk } }),
        };
        const token = tokens[kind]!();
        fc.pre(token !== good || kind === 'vars-added');
        const values = { ...v.values };
        if (kind === 'vars-swapped' || kind === 'vars-removed') values['x:var_note'] = junk === 'x' ? 'x' : junk;
        if (kind === 'vars-added') values['x:var_added'] = junk;
        if (token === undefined) delete values['x:token'];
        else values['x:token'] = token;
        return { category: 'token', request: signed(values), reasons: TOKEN, jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'bucket',
      runs: 30,
      arb: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/),
      build: (bucket) => {
        fc.pre(bucket !== allowedBucket);
        // A token valid for the other bucket, and an x-oss-bucket header that lies.
        const v = fresh('bucket', { bucket });
        return { category: 'bucket', request: signed(v.values), reasons: ['bucket_not_allowed'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'job-id',
      runs: 20,
      arb: fc.constantFrom('absent', '', 'a b', 'x/y', 'a'.repeat(129), 'é', '../x', 'id\u0000'),
      build: (claimed) => {
        const v = fresh('job-id');
        const values = { ...v.values };
        if (claimed === 'absent') delete values['x:job_id'];
        else {
          values['x:job_id'] = claimed;
          values['x:token'] = createJobToken([rs.stack.tokenSecret], { jobId: claimed, bucket: allowedBucket, key: v.object, vars: {} });
        }
        return { category: 'job-id', request: signed(values), reasons: ['job_id_missing'], jobIds: [v.jobId] };
      },
    }),
    category({
      name: 'body-malformed',
      runs: 40,
      arb: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => ({ body: Buffer.from(b), type: 'application/x-www-form-urlencoded' })),
        fc.string({ maxLength: 200 }).map((s) => ({ body: Buffer.from(s), type: 'application/x-www-form-urlencoded' })),
        fc.json().map((s) => ({ body: Buffer.from(s), type: 'application/json' })),
        fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', '').map((type) => ({ body: Buffer.alloc(0), type })),
      ),
      build: ({ body, type }) => {
        const v = fresh('body-malformed');
        // The template's body with the generated one in front: valid fields may follow, but
        // the first field decides nothing alone, and a changed type is unreadable.
        const full = type === 'application/x-www-form-urlencoded' || type === 'application/json' ? body : formBody(v.values);
        return {
          category: 'body-malformed',
          request: signed(full, { contentType: type || 'application/octet-stream' }),
          reasons: ['malformed_body', 'missing_field', 'bad_field', 'unsupported_content_type', 'job_id_missing', ...TOKEN, 'bucket_not_allowed'],
          jobIds: [v.jobId],
        };
      },
    }),
  ];
}

// ---------------------------------------------------------------------------------------
// Sending and checking.

function parseAnswer(res: RawResponse): { error?: unknown; message?: unknown } | undefined {
  try {
    return JSON.parse(res.body.toString('utf8')) as { error?: unknown; message?: unknown };
  } catch {
    return undefined;
  }
}

async function sendAndCheck(c: Case): Promise<void> {
  const res = await sendRaw(base, c.request);
  const answer = parseAnswer(res);
  const reason = typeof answer?.error === 'string' ? answer.error : '(none)';
  results.push({ category: c.category, status: res.status, reason });
  const what = `${c.category} ${c.request.method} ${c.request.path}: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`;
  assert.ok(res.status >= 400 && res.status < 500, `not a 4xx: ${what}`);
  assert.equal(res.headers['x-fc-error-type'], undefined, `the handler failed: ${what}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  if (c.request.method === 'HEAD') return; // no body on a HEAD answer
  assert.ok(answer && typeof answer.error === 'string' && typeof answer.message === 'string', `not {error, message}: ${what}`);
  assert.ok(c.reasons.includes(reason), `reason ${reason} is not one of ${c.reasons.join(', ')}: ${what}`);
}

before(async () => {
  keys = await startKeyServer();
  trustedKeyUrl = `${keys.trustedPrefix}key.pem`;
  // This suite fetches about fifteen different keys per instance on purpose (one per key
  // server route), more than the default limit of 5 a minute allows; the limit itself is
  // what test/reliability/key-url-flood.test.ts measures.
  rs = await startReliabilityStack({ trigger: false, extraKeyUrlPrefixes: [keys.trustedPrefix], callbackEnv: { CALLBACK_PUBKEY_FETCHES_PER_MINUTE: '1000' } });
  base = new URL(rs.stack.callbackUrl).origin;
});

after(async () => {
  await rs?.close();
  await keys?.close();
  closeAgent();
});

describe('forged and malformed callbacks over real HTTP', () => {
  test('controls: validly signed callbacks, headers in any letter case, are accepted and recorded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (flips) => {
        const jobId = `control-${++serial}`;
        const v = validValues(jobId);
        const req = signed(v.values);
        const res = await sendRaw(base, { ...req, headers: req.headers.map(([n, val]) => [oddCase(n, flips), val]) });
        assert.equal(res.status, 200, res.body.toString());
        assert.equal((await rs.stack.store.getRecord(jobId))?.status, 'uploaded');
      }),
      { numRuns: 16 },
    );
    // The JSON form the json-duplicate category starts from, without its repeated field.
    const v = validValues(`control-json-${++serial}`);
    const members = Object.entries(v.values)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => `${JSON.stringify(name)}:${name === 'size' ? value : JSON.stringify(value)}`);
    const res = await sendRaw(base, signed(Buffer.from(`{${members.join(',')}}`), { contentType: 'application/json' }));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal((await rs.stack.store.getRecord(v.jobId))?.status, 'uploaded');
  });

  test('at least 500 generated forgeries: 0 accepted, 0 records, 0 crashes, every answer a 4xx JSON reason', async () => {
    const before = { ...rs.stack.fc.stats().functions.callback! };
    const all = categories();
    const started = Date.now();
    await Promise.all([
      ...all.map((c) =>
        fc.assert(
          fc.asyncProperty(c.arb, async (value) => sendAndCheck(c.build(value))),
          { numRuns: c.runs },
        ),
      ),
      // Key servers that never finish: each costs the verifier's whole fetch timeout, so a
      // few, at once.
      ...['slow', 'trickle', 'slow', 'trickle'].map((route) => {
        const v = fresh('key-server-slow');
        return sendAndCheck({ category: 'key-server-slow', request: signed(v.values, { keyUrl: `${keys.trustedPrefix}${route}.pem` }), reasons: ['pub_key_fetch_failed'], jobIds: [v.jobId] });
      }),
    ]);
    const seconds = (Date.now() - started) / 1000;

    const written: string[] = [];
    const ids = [...usedJobIds];
    for (let i = 0; i < ids.length; i += 32) {
      const chunk = ids.slice(i, i + 32);
      const records = await Promise.all(chunk.map((jobId) => rs.stack.store.getRecord(jobId)));
      records.forEach((record, j) => record !== undefined && written.push(chunk[j]!));
    }
    const after = rs.stack.fc.stats().functions.callback!;
    const accepted = results.filter((r) => r.status < 400 || r.status >= 500).length;

    console.log(
      `forged callbacks: ${results.length} cases in ${seconds.toFixed(1)} s, ${accepted} accepted, ${written.length} records written, ` +
        `${after.crashes - before.crashes} crashes, ${after.failed - before.failed} failed invocations; ` +
        `by category ${JSON.stringify(tally(results, (r) => r.category))}; by status ${JSON.stringify(tally(results, (r) => String(r.status)))}; ` +
        `by reason ${JSON.stringify(tally(results, (r) => r.reason))}; untrusted key fetches ${keys.untrustedHits()}`,
    );
    assert.ok(results.length >= 500, `only ${results.length} cases ran`);
    assert.equal(accepted, 0);
    assert.deepEqual(written, []);
    assert.equal(after.crashes, before.crashes);
    assert.equal(after.failed, before.failed);
    assert.equal(after.timeouts, before.timeouts);
    // Redirects and dot segments never made the verifier fetch outside the allowed prefix.
    assert.equal(keys.untrustedHits(), 0);
  });
});
