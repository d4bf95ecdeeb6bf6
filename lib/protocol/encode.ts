/**
 * Building the two headers that ask OSS for an upload callback: `x-oss-callback` (Base64
 * of a JSON object: callbackUrl, callbackBody, callbackBodyType, callbackHost,
 * callbackSNI) and `x-oss-callback-var` (Base64 of a JSON object of custom variables,
 * keys `x:` + lower case). Protocol facts: OSS's Callback page
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback). The OSS
 * emulator reads them back (local/oss/callback-params.ts).
 *
 * We write these headers ourselves instead of using ali-oss's `options.callback`,
 * because ali-oss passes the URL through `encodeURI`, which double-encodes a URL that is
 * already percent-encoded (`%20` becomes `%2520`), and OSS then calls the wrong path.
 */
import { ReasonedError } from '../errors';

/** The two body types OSS can send (callbackBodyType). Form is OSS's default. */
export type CallbackBodyType = 'application/x-www-form-urlencoded' | 'application/json';

export const FORM_BODY: CallbackBodyType = 'application/x-www-form-urlencoded';
export const JSON_BODY: CallbackBodyType = 'application/json';

/** What a caller gives to {@link encodeCallback}; the optional parts get OSS defaults. */
export interface CallbackSpecInput {
  urls: string | readonly string[];
  body: string;
  bodyType?: CallbackBodyType;
  host?: string;
  /** Defaults to true when any URL is https (OSS needs it for SNI-routed HTTPS hosts). */
  sni?: boolean;
  vars?: Record<string, string>;
}

/** Header values to send with PutObject / CompleteMultipartUpload. */
export interface CallbackHeaders {
  'x-oss-callback': string;
  'x-oss-callback-var'?: string;
}

export type CallbackParamsReason =
  | 'callback_url_missing'
  | 'too_many_urls'
  | 'bad_callback_url'
  | 'callback_url_has_query'
  | 'callback_body_missing'
  | 'bad_body_type'
  | 'bad_callback_host'
  | 'bad_custom_key'
  | 'bad_custom_value'
  | 'header_too_large'
  | 'callback_not_base64'
  | 'callback_not_json'
  | 'callback_var_not_base64'
  | 'callback_var_not_json';

/** Callback parameters that OSS would refuse (or that we refuse to send). */
export class CallbackParamsError extends ReasonedError<CallbackParamsReason> {}

/** OSS refuses callback headers whose value is longer than this. */
export const MAX_CALLBACK_HEADER_BYTES = 5 * 1024;
/** OSS tries at most this many callback URLs. */
export const MAX_CALLBACK_URLS = 5;

const CUSTOM_KEY = /^x:[^A-Z]+$/;

/**
 * Percent-encodes a URL exactly once: characters that may not appear raw in a URL are
 * encoded as UTF-8 `%XX`, while existing `%XX` escapes are kept (a stray `%` becomes
 * `%25`). `;` is encoded too, because OSS splits the URL list at `;`.
 *
 * @example encodeUrlOnce('https://h/上传 a%20b') // => 'https://h/%E4%B8%8A%E4%BC%A0%20a%20b'
 */
export function encodeUrlOnce(url: string): string {
  let out = '';
  for (let i = 0; i < url.length; i++) {
    const ch = url[i]!;
    if (ch === '%') {
      out += /^[0-9A-Fa-f]{2}$/.test(url.slice(i + 1, i + 3)) ? '%' : '%25';
    } else if (ch === ';') {
      out += '%3B';
    } else if (/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,=]/.test(ch)) {
      out += ch;
    } else {
      const cp = url.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out += encodeURIComponent(String.fromCodePoint(cp));
    }
  }
  return out;
}

function checkUrl(raw: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new CallbackParamsError('callback_url_missing', 'a callback URL is empty');
  }
  const url = encodeUrlOnce(raw.trim());
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallbackParamsError('bad_callback_url', `callback URL is not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CallbackParamsError('bad_callback_url', `callback URL must be http or https, got ${parsed.protocol} in ${url}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new CallbackParamsError('bad_callback_url', 'callback URL must not carry user info');
  }
  if (url.includes('?')) {
    throw new CallbackParamsError(
      'callback_url_has_query',
      `callback URL must not have a query string (FC HTTP events carry no raw query, so the signature could not be checked): ${url}`,
    );
  }
  if (url.includes('#')) {
    throw new CallbackParamsError('bad_callback_url', `callback URL must not have a fragment: ${url}`);
  }
  return url;
}

/**
 * The custom variables as OSS takes them: keys `x:` + a lower-case name, string values.
 * Throws CallbackParamsError `bad_custom_key` or `bad_custom_value`.
 *
 * @example checkCustomVars({ 'x:job_id': 'j1' }) // => { 'x:job_id': 'j1' }
 */
export function checkCustomVars(vars: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (!CUSTOM_KEY.test(key) || key.length === 2) {
      throw new CallbackParamsError('bad_custom_key', `custom variable key ${JSON.stringify(key)} must start with "x:" and be lowercase`);
    }
    if (typeof value !== 'string') throw new CallbackParamsError('bad_custom_value', `custom variable ${key} must be a string`);
    out[key] = value;
  }
  return out;
}

/** Throws CallbackParamsError `header_too_large` when a callback header is longer than OSS takes. */
export function checkHeaderSize(name: string, value: string): void {
  if (value.length > MAX_CALLBACK_HEADER_BYTES) {
    throw new CallbackParamsError(
      'header_too_large',
      `${name} would be ${value.length} bytes; OSS allows at most ${MAX_CALLBACK_HEADER_BYTES}`,
    );
  }
}

/**
 * Builds the `x-oss-callback` and `x-oss-callback-var` header values. Throws
 * CallbackParamsError, naming the problem, for anything OSS would refuse and for URLs
 * with a query string.
 *
 * @example
 * encodeCallback({ urls: 'https://cb.example.com/oss', body: 'bucket=${bucket}', vars: { 'x:job': 'j1' } })
 * // => { 'x-oss-callback': 'eyJjYWxsYmFja1VybCI6…', 'x-oss-callback-var': 'eyJ4OmpvYiI6ImoxIn0=' }
 */
export function encodeCallback(input: CallbackSpecInput): CallbackHeaders {
  const list = typeof input.urls === 'string' ? input.urls.split(';') : [...input.urls];
  if (list.length === 0 || (list.length === 1 && list[0]!.trim() === '')) {
    throw new CallbackParamsError('callback_url_missing', 'at least one callback URL is required');
  }
  if (list.length > MAX_CALLBACK_URLS) {
    throw new CallbackParamsError('too_many_urls', `OSS accepts at most ${MAX_CALLBACK_URLS} callback URLs, got ${list.length}`);
  }
  const urls = list.map(checkUrl);
  if (typeof input.body !== 'string' || input.body.trim() === '') {
    throw new CallbackParamsError('callback_body_missing', 'the callback body template is empty');
  }
  const bodyType = input.bodyType ?? FORM_BODY;
  if (bodyType !== FORM_BODY && bodyType !== JSON_BODY) {
    throw new CallbackParamsError('bad_body_type', `callback body type must be ${FORM_BODY} or ${JSON_BODY}`);
  }
  if (input.host !== undefined && !/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(input.host)) {
    throw new CallbackParamsError('bad_callback_host', `callback host must be a host name or IP address, got ${JSON.stringify(input.host)}`);
  }
  const vars = checkCustomVars(input.vars ?? {});

  const params: Record<string, unknown> = { callbackUrl: urls.join(';'), callbackBody: input.body, callbackBodyType: bodyType };
  if (input.host !== undefined) params.callbackHost = input.host;
  const sni = input.sni ?? urls.some((u) => u.startsWith('https:'));
  if (sni) params.callbackSNI = true;
  const callback = Buffer.from(JSON.stringify(params), 'utf8').toString('base64');
  checkHeaderSize('x-oss-callback', callback);
  const headers: CallbackHeaders = { 'x-oss-callback': callback };
  if (Object.keys(vars).length > 0) {
    const callbackVar = Buffer.from(JSON.stringify(vars), 'utf8').toString('base64');
    checkHeaderSize('x-oss-callback-var', callbackVar);
    headers['x-oss-callback-var'] = callbackVar;
  }
  return headers;
}
