/**
 * The little XML the emulator speaks: writing OSS's response documents, and reading the
 * one request body that is XML (CompleteMultipartUpload).
 */

/** Escapes text for an XML element. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An element tree as plain data: a string leaf, a nested object, or a list of repeats. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[] | string[];
export interface XmlNode {
  [name: string]: XmlValue;
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return (value as XmlValue[]).map((item) => render(name, item)).join('');
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * An XML document with one root element, as OSS writes them (declaration, no
 * indentation). Undefined fields are left out; arrays repeat their element.
 *
 * @example xmlDocument('InitiateMultipartUploadResult', { Bucket: 'b', Key: 'k', UploadId: 'U' })
 */
export function xmlDocument(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root, body)}`;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
}

/** One `<Part>` of a CompleteMultipartUpload request. */
export interface RequestedPart {
  partNumber: number;
  etag: string;
}

/**
 * Reads the parts of a CompleteMultipartUpload body; undefined when the document is not
 * the expected shape (OSS answers MalformedXML then).
 */
export function parseCompleteMultipartBody(xml: string): RequestedPart[] | undefined {
  const root = /<CompleteMultipartUpload(?:\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>/.exec(xml);
  if (!root) return undefined;
  const parts: RequestedPart[] = [];
  for (const match of root[1]!.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(match[1]!);
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(match[1]!);
    if (!number || !etag) return undefined;
    parts.push({ partNumber: Number(number[1]), etag: unescapeXml(etag[1]!.trim()) });
  }
  return parts;
}
