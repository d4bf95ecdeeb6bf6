/**
 * Standard Base64 (RFC 4648 section 4, https://www.rfc-editor.org/rfc/rfc4648#section-4)
 * as the protocols we read use it: OSS's `x-oss-pub-key-url` and `Authorization`, FC's
 * `isBase64Encoded` bodies, MNS message bodies, the callback headers the OSS emulator
 * reads. Node's decoder is lenient (it skips characters outside the alphabet and ignores
 * unused bits), so whatever must be exact is checked here first.
 */

/** Padded standard Base64: `A–Z a–z 0–9 + /` in groups of 4, `=` only at the end. The empty string matches. */
export const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** How many `=` end well-formed Base64 text. */
export function base64Padding(text: string): number {
  return text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
}

/**
 * Whether the bits that padding leaves unused in the last character are zero, as every
 * encoder writes them. Decoders ignore those bits, so without this check up to 16
 * spellings decode to the same bytes. `text` must already be well-formed Base64 with
 * `padding` padding characters.
 *
 * @example hasCanonicalTail('e30=', 1) // => true; hasCanonicalTail('e31=', 1) // => false (both decode to "{}")
 */
export function hasCanonicalTail(text: string, padding: number): boolean {
  if (padding === 0) return true;
  const last = BASE64_ALPHABET.indexOf(text.charAt(text.length - padding - 1));
  return (last & (padding === 1 ? 0b11 : 0b1111)) === 0;
}

/**
 * The bytes of `text` when it is non-empty, padded, canonical standard Base64 (the one
 * spelling an encoder writes), else undefined.
 *
 * @example
 * canonicalBase64Bytes('e30=');  // <Buffer 7b 7d>  ("{}")
 * canonicalBase64Bytes('e31=');  // undefined: decodes to "{}" too, but its unused bits are not zero
 * canonicalBase64Bytes('e30');   // undefined: no padding
 */
export function canonicalBase64Bytes(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64_PATTERN.test(text) || !hasCanonicalTail(text, base64Padding(text))) return undefined;
  return Buffer.from(text, 'base64');
}
