/**
 * Writing callback body templates: the `callbackBody` that OSS fills with system and
 * custom variables before POSTing it to the callback URL.
 */
import { CallbackParamsError, FORM_BODY, JSON_BODY, type CallbackBodyType } from './encode';

/** The system variables OSS can put in a callback body (OSS's Callback page, callbackBody: https://www.alibabacloud.com/help/en/oss/developer-reference/callback). */
export const SYSTEM_VARIABLES = [
  'bucket',
  'object',
  'etag',
  'size',
  'mimeType',
  'imageInfo.height',
  'imageInfo.width',
  'imageInfo.format',
  'crc64',
  'contentMd5',
  'vpcId',
  'clientIp',
  'reqId',
  'operation',
] as const;
export type SystemVariable = (typeof SYSTEM_VARIABLES)[number];

/**
 * Numbers OSS inserts bare into a JSON body. The image ones are empty for non-images,
 * which would leave `"height":` with no value — invalid JSON — so JSON templates wrap
 * those in quotes and readers parse the string.
 */
const MAYBE_EMPTY_NUMBERS: ReadonlySet<SystemVariable> = new Set(['imageInfo.height', 'imageInfo.width']);

/** Where a body field's value comes from. */
export type TemplateField = { system: SystemVariable } | { custom: string } | { constant: string };

function placeholder(field: TemplateField): string | undefined {
  if ('system' in field) {
    if (!(SYSTEM_VARIABLES as readonly string[]).includes(field.system)) {
      throw new CallbackParamsError('callback_body_missing', `unknown OSS system variable ${JSON.stringify(field.system)}`);
    }
    return '${' + field.system + '}';
  }
  if ('custom' in field) {
    if (!/^x:[^A-Z]+$/.test(field.custom) || field.custom.length === 2) {
      throw new CallbackParamsError('bad_custom_key', `custom variable ${JSON.stringify(field.custom)} must start with "x:" and be lowercase`);
    }
    return '${' + field.custom + '}';
  }
  return undefined;
}

/**
 * Writes a callback body template from named fields.
 *
 * Form bodies (the default): `name=${var}&…`, names and constants percent-encoded; OSS
 * percent-encodes the values it inserts. JSON bodies: OSS inserts strings already
 * quoted and numbers bare, so system and custom variables go in unquoted, except the
 * image dimensions, which go in quotes because they are empty for non-images.
 *
 * `${crc64}` stays unquoted on purpose. OSS's Callback reference says only that JSON
 * bodies have their variables "replaced based on the JSON format" and shows bare
 * placeholders (`{"mimeType":${mimeType},"size":${size}}`); it does not say whether the
 * CRC-64 (documented as the `x-oss-hash-crc64ecma` header's value, a decimal string)
 * goes in as a JSON string or a number. A bare placeholder is valid JSON either way,
 * where a quoted one would break if OSS quotes it; parseCallbackPayload keeps its
 * digits exactly in both cases (one parse, number text kept).
 *
 * @example
 * buildBodyTemplate({ bucket: { system: 'bucket' }, job: { custom: 'x:job' } })
 * // => 'bucket=${bucket}&job=${x:job}'
 * buildBodyTemplate({ size: { system: 'size' }, object: { system: 'object' } }, 'application/json')
 * // => '{"size":${size},"object":${object}}'
 */
export function buildBodyTemplate(fields: Readonly<Record<string, TemplateField>>, bodyType: CallbackBodyType = FORM_BODY): string {
  const entries = Object.entries(fields);
  if (entries.length === 0) throw new CallbackParamsError('callback_body_missing', 'a callback body needs at least one field');
  if (bodyType === FORM_BODY) {
    return entries
      .map(([name, field]) => {
        const value = placeholder(field) ?? encodeURIComponent((field as { constant: string }).constant);
        return `${encodeURIComponent(name)}=${value}`;
      })
      .join('&');
  }
  if (bodyType !== JSON_BODY) throw new CallbackParamsError('bad_body_type', `unsupported body type ${String(bodyType)}`);
  const parts = entries.map(([name, field]) => {
    const value = placeholder(field);
    let json: string;
    if (value === undefined) json = JSON.stringify((field as { constant: string }).constant);
    else if ('system' in field && MAYBE_EMPTY_NUMBERS.has(field.system)) json = `"${value}"`;
    else json = value;
    return `${JSON.stringify(name)}:${json}`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * The template this project's uploader sends: every system variable under its own name,
 * plus each custom variable under its `x:` key, so {@link parseCallbackPayload} can read
 * it back without knowing anything else.
 *
 * @example standardBodyTemplate(['x:job_id', 'x:token']) // => 'bucket=${bucket}&object=${object}&…&x%3Ajob_id=${x:job_id}&x%3Atoken=${x:token}'
 */
export function standardBodyTemplate(customKeys: readonly string[], bodyType: CallbackBodyType = FORM_BODY): string {
  const fields: Record<string, TemplateField> = {};
  for (const variable of SYSTEM_VARIABLES) fields[variable] = { system: variable };
  for (const key of customKeys) fields[key] = { custom: key };
  return buildBodyTemplate(fields, bodyType);
}
