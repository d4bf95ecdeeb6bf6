/**
 * Reading a callback's JSON body in one pass: a flat JSON object (RFC 8259) whose member
 * values are strings, numbers, booleans or null. Numbers keep their source text, because
 * a CRC-64 above 2^53 would lose digits as a JavaScript number, and a member name that
 * appears twice is refused: JSON.parse keeps the last copy while other readers keep the
 * first, so a repeated name could make two readers of one signed body see different
 * values.
 */
import { ReasonedError } from '../errors';

/** One member's value as written. */
export type JsonScalar =
  | { type: 'string'; value: string }
  | { type: 'number'; text: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export type JsonObjectReason = 'malformed_json' | 'duplicate_name' | 'nested_value';

/** The text is not a flat JSON object with distinct member names. */
export class JsonObjectError extends ReasonedError<JsonObjectReason> {}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPABLE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9A-Fa-f]{4}$/;

function malformed(at: number): never {
  throw new JsonObjectError('malformed_json', `not valid JSON (at character ${at})`);
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** Reads the string literal starting at `i` (a `"`); returns its value and the index after it. */
function readString(text: string, i: number): [string, number] {
  let j = i + 1;
  for (;;) {
    if (j >= text.length) malformed(j);
    const c = text.charCodeAt(j);
    if (c === 0x22) break;
    if (c < 0x20) malformed(j);
    if (c === 0x5c) {
      const escape = text.charAt(j + 1);
      if (escape === 'u') {
        if (!HEX4.test(text.slice(j + 2, j + 6))) malformed(j);
        j += 6;
      } else if (ESCAPABLE.has(escape)) j += 2;
      else malformed(j);
    } else j++;
  }
  // The literal is checked above, so the standard decoder gives its exact value.
  return [JSON.parse(text.slice(i, j + 1)) as string, j + 1];
}

function readValue(text: string, i: number): [JsonScalar, number] {
  const c = text.charAt(i);
  if (c === '"') {
    const [value, next] = readString(text, i);
    return [{ type: 'string', value }, next];
  }
  if (c === '-' || (c >= '0' && c <= '9')) {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) malformed(i);
    return [{ type: 'number', text: match[0] }, i + match[0].length];
  }
  for (const [word, scalar] of [['true', { type: 'boolean', value: true }], ['false', { type: 'boolean', value: false }], ['null', { type: 'null' }]] as const) {
    if (text.startsWith(word, i)) return [scalar, i + word.length];
  }
  if (c === '{' || c === '[') throw new JsonObjectError('nested_value', 'a member value is an object or an array');
  return malformed(i);
}

/**
 * Parses `text` as one flat JSON object. Throws JsonObjectError: `malformed_json` for
 * anything that is not a JSON object, `duplicate_name` when a member name repeats,
 * `nested_value` when a member's value is an object or an array.
 *
 * @example
 * readFlatJsonObject('{"size":5,"crc64":18446744073709551615,"object":"a.txt"}')
 * // => Map { 'size' => {type:'number',text:'5'}, 'crc64' => {type:'number',text:'18446744073709551615'}, 'object' => {type:'string',value:'a.txt'} }
 */
export function readFlatJsonObject(text: string): Map<string, JsonScalar> {
  const members = new Map<string, JsonScalar>();
  let i = skipWhitespace(text, 0);
  if (text.charAt(i) !== '{') malformed(i);
  i = skipWhitespace(text, i + 1);
  if (text.charAt(i) === '}') i += 1;
  else {
    for (;;) {
      if (text.charAt(i) !== '"') malformed(i);
      const [name, afterName] = readString(text, i);
      if (members.has(name)) throw new JsonObjectError('duplicate_name', `the member ${JSON.stringify(name)} appears more than once`);
      i = skipWhitespace(text, afterName);
      if (text.charAt(i) !== ':') malformed(i);
      const [value, afterValue] = readValue(text, skipWhitespace(text, i + 1));
      members.set(name, value);
      i = skipWhitespace(text, afterValue);
      const next = text.charAt(i);
      if (next === '}') {
        i += 1;
        break;
      }
      if (next !== ',') malformed(i);
      i = skipWhitespace(text, i + 1);
    }
  }
  if (skipWhitespace(text, i) !== text.length) malformed(i);
  return members;
}
