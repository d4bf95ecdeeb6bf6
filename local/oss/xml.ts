/**
 * The little XML the emulator speaks: writing OSS's response documents (local/xml.ts),
 * and reading the one request body that is XML (CompleteMultipartUpload).
 */
import { XML_DECLARATION, xmlElement, type XmlNode } from '../xml';

/**
 * An XML document with one root element, as OSS writes them (declaration, no
 * indentation). Undefined fields are left out; arrays repeat their element.
 *
 * @example xmlDocument('InitiateMultipartUploadResult', { Bucket: 'b', Key: 'k', UploadId: 'U' })
 */
export function xmlDocument(root: string, body: XmlNode): string {
  return `${XML_DECLARATION}${xmlElement(root, body)}`;
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
