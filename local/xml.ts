/**
 * Writing the XML the emulators answer with (OSS's and MNS's response documents): plain
 * data in, elements out, text escaped. Each emulator adds its own document wrapper
 * (local/oss/xml.ts, local/mns/xml.ts).
 */

/** Escapes text for an XML element. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Element content as plain data: a text leaf, a nested element, or a list of repeats. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[] | string[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** The declaration every response document starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * One element (or, for a list, one per item); undefined values are left out.
 *
 * @example xmlElement('Key', 'a&b') // => '<Key>a&amp;b</Key>'
 */
export function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return (value as XmlValue[]).map((item) => xmlElement(name, item)).join('');
  if (typeof value === 'object') return `<${name}>${xmlChildren(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * The elements of a node's fields, in order.
 *
 * @example xmlChildren({ Bucket: 'b', Key: 'k' }) // => '<Bucket>b</Bucket><Key>k</Key>'
 */
export function xmlChildren(node: XmlNode): string {
  return Object.entries(node).map(([name, value]) => xmlElement(name, value)).join('');
}
