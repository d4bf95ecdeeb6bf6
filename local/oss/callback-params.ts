/**
 * Reading the callback parameters of an upload (`x-oss-callback`, `x-oss-callback-var`)
 * as OSS does: the inverse of lib/protocol/encode.ts, with OSS's own checks (OSS accepts
 * URLs with a query string, which our encoder refuses). Protocol facts: OSS's Callback
 * page (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
 */
import { BASE64_PATTERN } from '../../lib/protocol/base64';
import {
  CallbackParamsError,
  checkCustomVars,
  checkHeaderSize,
  FORM_BODY,
  JSON_BODY,
  MAX_CALLBACK_URLS,
  type CallbackBodyType,
  type CallbackParamsReason,
} from '../../lib/protocol/encode';

/** A callback request as OSS will perform it. */
export interface CallbackSpec {
  /** 1 to 5 URLs, tried in order until one answers 200. */
  urls: string[];
  /** The body template (`bucket=${bucket}&...`). */
  body: string;
  bodyType: CallbackBodyType;
  /** Host header OSS sends; defaults to the URL's host. */
  host?: string;
  /** Whether OSS sends SNI for HTTPS URLs. */
  sni?: boolean;
  /** Custom variables, keys `x:` + lowercase name, string values. */
  vars: Record<string, string>;
}

function decodeBase64Json(value: string, what: string, notBase64: CallbackParamsReason, notJson: CallbackParamsReason): unknown {
  checkHeaderSize(what, value);
  const compact = value.trim();
  if (compact === '' || !BASE64_PATTERN.test(compact)) throw new CallbackParamsError(notBase64, `${what} is not Base64`);
  const text = Buffer.from(compact, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new CallbackParamsError(notJson, `${what} is not Base64 of JSON`);
  }
}

/**
 * Reads the two headers back into a spec, checking them as OSS does (OSS accepts URLs
 * with a query string; only our encoder refuses them). The inverse of encodeCallback
 * (lib/protocol/encode.ts).
 *
 * @example decodeCallback(headers['x-oss-callback'], headers['x-oss-callback-var']).urls // => ['https://cb.example.com/oss']
 */
export function decodeCallback(callbackHeader: string, callbackVarHeader?: string): CallbackSpec {
  const params = decodeBase64Json(callbackHeader, 'x-oss-callback', 'callback_not_base64', 'callback_not_json');
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new CallbackParamsError('callback_not_json', 'x-oss-callback must be a JSON object');
  }
  const p = params as Record<string, unknown>;
  if (typeof p.callbackUrl !== 'string' || p.callbackUrl.trim() === '') {
    throw new CallbackParamsError('callback_url_missing', 'x-oss-callback has no callbackUrl');
  }
  const urls = p.callbackUrl.split(';').map((u) => u.trim());
  if (urls.length > MAX_CALLBACK_URLS) {
    throw new CallbackParamsError('too_many_urls', `x-oss-callback has ${urls.length} URLs; OSS accepts at most ${MAX_CALLBACK_URLS}`);
  }
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new CallbackParamsError('bad_callback_url', `callback URL is not an http(s) URL: ${url}`);
    }
  }
  if (typeof p.callbackBody !== 'string' || p.callbackBody === '') {
    throw new CallbackParamsError('callback_body_missing', 'x-oss-callback has no callbackBody');
  }
  const bodyType = p.callbackBodyType === undefined || p.callbackBodyType === '' ? FORM_BODY : p.callbackBodyType;
  if (bodyType !== FORM_BODY && bodyType !== JSON_BODY) {
    throw new CallbackParamsError('bad_body_type', `unsupported callbackBodyType ${JSON.stringify(bodyType)}`);
  }
  if (p.callbackHost !== undefined && typeof p.callbackHost !== 'string') {
    throw new CallbackParamsError('bad_callback_host', 'callbackHost must be a string');
  }
  let sni: boolean | undefined;
  if (p.callbackSNI !== undefined) {
    if (p.callbackSNI === true || p.callbackSNI === 'true') sni = true;
    else if (p.callbackSNI === false || p.callbackSNI === 'false') sni = false;
    else throw new CallbackParamsError('callback_not_json', 'callbackSNI must be a boolean');
  }
  let vars: Record<string, string> = {};
  if (callbackVarHeader !== undefined && callbackVarHeader !== '') {
    const raw = decodeBase64Json(callbackVarHeader, 'x-oss-callback-var', 'callback_var_not_base64', 'callback_var_not_json');
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new CallbackParamsError('callback_var_not_json', 'x-oss-callback-var must be a JSON object');
    }
    vars = checkCustomVars(raw as Record<string, unknown>);
  }
  const spec: CallbackSpec = { urls, body: p.callbackBody, bodyType: bodyType as CallbackBodyType, vars };
  if (typeof p.callbackHost === 'string' && p.callbackHost !== '') spec.host = p.callbackHost;
  if (sni !== undefined) spec.sni = sni;
  return spec;
}
