/**
 * Reading a queue message body: a job is a JSON object, sent either as its JSON text or
 * as the Base64 of that text's UTF-8 bytes. Which one arrives depends on the producer
 * and on the trigger, not on us:
 * - `npm run submit`, `npm start` and the MNS console send Base64 (the console's sample
 *   in awesome-fc/code-example java/java11-mns-queue-trigger/README.md carries
 *   `bW9jayBtbnMgcXVldWUgbWVzc2FnZQ==`), and so do MNS SDKs that encode by default (the
 *   Python SDK's `Queue.__init__` calls `set_encoding(True)`:
 *   mns/queue.py in gikoluo/aliyun-mns, commit 3375532, a copy of Alibaba's SDK);
 * - `@alicloud/mns` sends the string it is given, so a producer using it may send raw JSON;
 * - an EventBridge MNS source with `IsBase64Decode: true` decodes the body before delivery
 *   (https://www.alibabacloud.com/help/en/eventbridge/latest/439527, "Base64 Decoding").
 *
 * The rule, exact and unambiguous because `{` is not in the Base64 alphabet:
 * 1. Strip JSON whitespace (space, tab, LF, CR) and a leading byte-order mark.
 * 2. Text that now starts with `{` is raw JSON; it must parse. It is never tried as Base64.
 * 3. Otherwise the text must be canonical standard Base64 (RFC 4648 section 4): only
 *    `A–Z a–z 0–9 + /`, line breaks allowed and ignored (MIME encoders wrap at 76), a
 *    length that is a multiple of 4, at most two `=` and only at the end, and unused
 *    trailing bits zero (re-encoding gives the same text). No URL-safe alphabet, no
 *    missing padding.
 * 4. The decoded bytes must be valid UTF-8 whose text, stripped as in 1, starts with `{`
 *    and parses as JSON. One level only: Base64 of Base64 is not unwrapped.
 * Anything else is not a job: the caller records an invalid delivery.
 */

import { canonicalBase64Bytes } from '../protocol/base64';

/** Why a body is not a job. */
export type MessageBodyProblem = 'not_json' | 'not_json_object' | 'not_base64';

/** The JSON value of a body, how it was encoded, or why it is not a job. */
export type MessageBodyResult =
  | { ok: true; value: unknown; encoding: 'json' | 'base64' }
  | { ok: false; problem: MessageBodyProblem; message: string };

const JSON_WHITESPACE = /^[ \t\n\r\uFEFF]+|[ \t\n\r]+$/g;
const BASE64_LINE_BREAKS = /\r?\n/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of `text` when it is canonical standard Base64 with line breaks allowed
 * (rule 3 above), else undefined.
 *
 * @example
 * base64BodyBytes('eyJh\r\nIjoxfQ=='); // <Buffer …> ('{"a":1}')
 * base64BodyBytes('e31=');             // undefined: decodes to "{}" too, but its unused bits are not zero
 */
export function base64BodyBytes(text: string): Buffer | undefined {
  return canonicalBase64Bytes(text.replace(BASE64_LINE_BREAKS, ''));
}

function parseObjectText(text: string, encoding: 'json' | 'base64'): MessageBodyResult {
  const via = encoding === 'base64' ? 'the Base64 message body decodes to text that is' : 'the message body is';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not_json', message: `${via} not valid JSON` };
  }
  return { ok: true, value, encoding };
}

/**
 * Reads a message body by the rule above.
 *
 * @example
 * readMessageBody('{"jobId":"a"}');           // { ok: true, value: { jobId: 'a' }, encoding: 'json' }
 * readMessageBody('eyJqb2JJZCI6ImEifQ==');    // { ok: true, value: { jobId: 'a' }, encoding: 'base64' }
 * readMessageBody('TEST');                    // { ok: false, problem: 'not_json_object', … }
 */
export function readMessageBody(body: string): MessageBodyResult {
  const text = body.replace(JSON_WHITESPACE, '');
  if (text.startsWith('{')) return parseObjectText(text, 'json');
  const bytes = base64BodyBytes(text);
  if (bytes === undefined) {
    return { ok: false, problem: 'not_base64', message: 'the message body is neither a JSON object nor canonical Base64 of one' };
  }
  let decoded: string;
  try {
    decoded = utf8.decode(bytes).replace(JSON_WHITESPACE, '');
  } catch {
    return { ok: false, problem: 'not_json_object', message: 'the message body is Base64, but not of UTF-8 text' };
  }
  if (!decoded.startsWith('{')) return { ok: false, problem: 'not_json_object', message: 'the message body is Base64, but not of a JSON object' };
  return parseObjectText(decoded, 'base64');
}
