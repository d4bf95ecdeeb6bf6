/**
 * Filling a callback body template the way OSS does (the emulator plays OSS here, so
 * this is its own code, not lib/callback's): `${name}` system variables and `${x:name}`
 * custom variables are replaced; for `application/x-www-form-urlencoded` bodies each
 * value is percent-encoded ("the variables are replaced by URL-encoded values", OSS
 * Callback API; a real callback reads `filename=test%2F1638….jpg&mimeType=image%2Fjpeg`),
 * for `application/json` bodies strings go in as JSON strings and numbers bare ("replaced
 * in JSON format"; OSS's examples write `\"size\":${size}` and `\"object\":${object}`
 * unquoted). Text that is not a known variable is left as written.
 */
import type { CallbackBodyType } from '../../lib/protocol/encode';

/** The values OSS knows about the stored object. */
export interface CallbackValues {
  bucket: string;
  object: string;
  /** Without quotes, as OSS puts it in callbacks. */
  etag: string;
  size: number;
  mimeType: string;
  crc64: string;
  /** Empty for multipart uploads (OSS only fills it for PutObject/PostObject). */
  contentMd5: string;
  clientIp: string;
  reqId: string;
  operation: string;
  /** Image fields; empty for objects that are not images (the emulator does not decode images). */
  imageHeight?: number;
  imageWidth?: number;
  imageFormat?: string;
}

type Filled = { kind: 'string'; value: string } | { kind: 'number'; value: string };

function systemValue(name: string, v: CallbackValues): Filled | undefined {
  const str = (value: string): Filled => ({ kind: 'string', value });
  const num = (value: number | undefined): Filled => ({ kind: 'number', value: value === undefined ? '' : String(value) });
  switch (name) {
    case 'bucket': return str(v.bucket);
    case 'object': return str(v.object);
    case 'etag': return str(v.etag);
    case 'size': return num(v.size);
    case 'mimeType': return str(v.mimeType);
    case 'imageInfo.height': return num(v.imageHeight);
    case 'imageInfo.width': return num(v.imageWidth);
    case 'imageInfo.format': return str(v.imageFormat ?? '');
    case 'crc64': return str(v.crc64);
    case 'contentMd5': return str(v.contentMd5);
    case 'vpcId': return str('');
    case 'clientIp': return str(v.clientIp);
    case 'reqId': return str(v.reqId);
    case 'operation': return str(v.operation);
    default: return undefined;
  }
}

/** Percent-encodes everything but RFC 3986 unreserved characters (`/` → `%2F`, space → `%20`). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The callback body OSS would send for `template`.
 *
 * @example
 * fillCallbackBody('object=${object}&size=${size}', 'application/x-www-form-urlencoded', values, {})
 * // => 'object=a%2Fb%20c.txt&size=3'
 * fillCallbackBody('{"object":${object},"size":${size}}', 'application/json', values, {})
 * // => '{"object":"a/b c.txt","size":3}'
 */
export function fillCallbackBody(
  template: string,
  bodyType: CallbackBodyType,
  values: CallbackValues,
  vars: Record<string, string>,
): string {
  return template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    let filled: Filled | undefined;
    if (name.startsWith('x:')) filled = { kind: 'string', value: vars[name] ?? '' };
    else filled = systemValue(name, values);
    if (!filled) return whole;
    if (bodyType === 'application/json') return filled.kind === 'number' ? filled.value : JSON.stringify(filled.value);
    return formEncode(filled.value);
  });
}
