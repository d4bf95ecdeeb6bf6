/**
 * Reading the body OSS POSTs to the callback URL, filled from the template that
 * {@link standardBodyTemplate} writes: one field per system variable, one per `x:` key.
 */
import { ReasonedError } from '../errors';
import { JsonObjectError, readFlatJsonObject, type JsonScalar } from './json-object';

/** What OSS told us about the stored object, typed. */
export interface CallbackPayload {
  bucket: string;
  /** The object key, decoded. */
  object: string;
  /** As OSS sends it (quoted or not, upper case hex, `-N` suffix for multipart). */
  etag: string;
  size: number;
  mimeType?: string;
  /** Decimal string: CRC-64 values exceed 2^53 and would lose digits as a number. */
  crc64?: string;
  /** Base64 MD5; empty for multipart uploads, then left undefined. */
  contentMd5?: string;
  imageInfo?: { height?: number; width?: number; format?: string };
  clientIp?: string;
  reqId?: string;
  operation?: string;
  vpcId?: string;
  /** Custom variables by their `x:` key. */
  vars: Record<string, string>;
}

export type CallbackPayloadReason = 'unsupported_content_type' | 'malformed_body' | 'missing_field' | 'bad_field';

/** A callback body we cannot read; `reason` says why. */
export class CallbackPayloadError extends ReasonedError<CallbackPayloadReason> {}

type Fields = Map<string, string>;

function formFields(text: string): Fields {
  const fields: Fields = new Map();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw new CallbackPayloadError('malformed_body', 'callback body has a malformed percent-encoding');
    }
    // A repeated field could make two readers of one body see different values.
    if (fields.has(name)) throw new CallbackPayloadError('malformed_body', `callback body repeats the field ${shown(name)}`);
    fields.set(name, value);
  }
  return fields;
}

/** A field name as shown in a message: quoted, and cut short (it is the sender's text). */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

/**
 * Every field of a JSON body from one parse (json-object.ts): strings as they are,
 * numbers as their source text (a CRC-64 above 2^53 stays exact whether OSS writes it
 * bare or quoted), null as absent. A repeated name is refused.
 */
function jsonFields(text: string): Fields {
  let members: Map<string, JsonScalar>;
  try {
    members = readFlatJsonObject(text);
  } catch (error) {
    if (!(error instanceof JsonObjectError)) throw error;
    if (error.reason === 'nested_value') throw new CallbackPayloadError('bad_field', 'callback fields must be strings or numbers, not objects or arrays');
    const what = error.reason === 'duplicate_name' ? 'repeats a field' : 'is not a JSON object';
    throw new CallbackPayloadError('malformed_body', `callback body ${what}: ${error.message}`);
  }
  const fields: Fields = new Map();
  for (const [name, member] of members) {
    if (member.type === 'string') fields.set(name, member.value);
    else if (member.type === 'number') fields.set(name, member.text);
    else if (member.type === 'boolean') throw new CallbackPayloadError('bad_field', `callback field ${shown(name)} must be a string or a number`);
  }
  return fields;
}

function required(fields: Fields, name: string): string {
  const value = fields.get(name);
  if (value === undefined || value === '') throw new CallbackPayloadError('missing_field', `callback body has no ${name}`);
  return value;
}

function optional(fields: Fields, name: string): string | undefined {
  const value = fields.get(name);
  return value === undefined || value === '' ? undefined : value;
}

function nonNegativeInteger(value: string, name: string): number {
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new CallbackPayloadError('bad_field', `callback field ${name} must be a non-negative integer`);
  }
  return Number(value);
}

/**
 * Parses a callback body by its Content-Type (form or JSON). Throws
 * CallbackPayloadError for an unsupported type, a malformed body, or a missing or
 * malformed field; never anything else.
 *
 * @example
 * parseCallbackPayload('bucket=b&object=a%2Fb.txt&etag=%22E%22&size=3&x%3Ajob_id=j1', 'application/x-www-form-urlencoded')
 * // => { bucket: 'b', object: 'a/b.txt', etag: '"E"', size: 3, vars: { 'x:job_id': 'j1' } }
 */
export function parseCallbackPayload(body: Uint8Array | string, contentType: string | undefined): CallbackPayload {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let fields: Fields;
  if (type === 'application/x-www-form-urlencoded') fields = formFields(text);
  else if (type === 'application/json') fields = jsonFields(text);
  else throw new CallbackPayloadError('unsupported_content_type', `callback Content-Type must be form or JSON, got ${JSON.stringify(type)}`);

  const payload: CallbackPayload = {
    bucket: required(fields, 'bucket'),
    object: required(fields, 'object'),
    etag: required(fields, 'etag'),
    size: nonNegativeInteger(required(fields, 'size'), 'size'),
    vars: {},
  };
  const crc64 = optional(fields, 'crc64');
  if (crc64 !== undefined) {
    if (!/^\d{1,20}$/.test(crc64) || BigInt(crc64) > 0xffffffffffffffffn) {
      throw new CallbackPayloadError('bad_field', 'callback field crc64 must be an unsigned 64-bit decimal');
    }
    payload.crc64 = crc64;
  }
  const simple = ['mimeType', 'contentMd5', 'clientIp', 'reqId', 'operation', 'vpcId'] as const;
  for (const name of simple) {
    const value = optional(fields, name);
    if (value !== undefined) payload[name] = value;
  }
  const height = optional(fields, 'imageInfo.height');
  const width = optional(fields, 'imageInfo.width');
  const format = optional(fields, 'imageInfo.format');
  if (height !== undefined || width !== undefined || format !== undefined) {
    payload.imageInfo = {};
    if (height !== undefined) payload.imageInfo.height = nonNegativeInteger(height, 'imageInfo.height');
    if (width !== undefined) payload.imageInfo.width = nonNegativeInteger(width, 'imageInfo.width');
    if (format !== undefined) payload.imageInfo.format = format;
  }
  for (const [name, value] of fields) {
    if (name.startsWith('x:')) payload.vars[name] = value;
  }
  return payload;
}
