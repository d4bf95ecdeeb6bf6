/**
 * The XML the MNS emulator reads and writes. Request bodies carry arbitrary message text,
 * so reading is a real (small) parser that rejects what is not well-formed — MNS answers
 * `MalformedXML` then — rather than a pattern match. Writing puts MNS's namespace on the
 * root element, as every MNS response does
 * (https://www.alibabacloud.com/help/doc-detail/27486.htm).
 */
import { XML_DECLARATION, xmlChildren, type XmlNode } from '../xml';

/** The namespace MNS puts on the root of every document it writes. */
export const MNS_XMLNS = 'http://mns.aliyuncs.com/doc/v1/';

/** One parsed element: its name, child elements, and its own text (entities decoded). */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** Thrown by {@link parseXml} when the document is not well-formed. */
export class XmlSyntaxError extends Error {
  readonly reason = 'malformed_xml';
}

const NAME = /[A-Za-z_:][\w.:-]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, at: number): string {
  return raw.replace(/&([^;&<]*);|&/g, (match, name: string | undefined) => {
    if (name === undefined) throw new XmlSyntaxError(`bare "&" near offset ${at}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    const numeric = /^#(?:x([0-9a-fA-F]+)|(\d+))$/.exec(name);
    if (!numeric) throw new XmlSyntaxError(`unknown entity ${match} near offset ${at}`);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    if (code > 0x10ffff || code === 0) throw new XmlSyntaxError(`invalid character reference ${match}`);
    return String.fromCodePoint(code);
  });
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  document(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipMisc();
    if (this.src.startsWith('<?xml', this.pos)) {
      const end = this.src.indexOf('?>', this.pos);
      if (end < 0) throw new XmlSyntaxError('unterminated XML declaration');
      this.pos = end + 2;
    }
    this.skipMisc();
    if (this.src[this.pos] !== '<') throw new XmlSyntaxError('no root element');
    const root = this.element();
    this.skipMisc();
    if (this.pos !== this.src.length) throw new XmlSyntaxError(`content after the root element at offset ${this.pos}`);
    return root;
  }

  private skipMisc(): void {
    for (;;) {
      while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos += 1;
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else return;
    }
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw new XmlSyntaxError('unterminated comment');
    this.pos = end + 3;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src);
    if (!match) throw new XmlSyntaxError(`expected a name at offset ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  private element(): XmlElement {
    this.pos += 1; // '<'
    const name = this.name();
    const seen = new Set<string>();
    for (;;) {
      const before = this.pos;
      while (/\s/.test(this.src[this.pos] ?? '')) this.pos += 1;
      const c = this.src[this.pos];
      if (c === '/' && this.src[this.pos + 1] === '>') {
        this.pos += 2;
        return { name, children: [], text: '' };
      }
      if (c === '>') {
        this.pos += 1;
        break;
      }
      if (this.pos === before) throw new XmlSyntaxError(`expected whitespace or ">" at offset ${this.pos}`);
      const attr = this.name();
      if (seen.has(attr)) throw new XmlSyntaxError(`duplicate attribute ${attr}`);
      seen.add(attr);
      while (/\s/.test(this.src[this.pos] ?? '')) this.pos += 1;
      if (this.src[this.pos] !== '=') throw new XmlSyntaxError(`expected "=" after attribute ${attr}`);
      this.pos += 1;
      while (/\s/.test(this.src[this.pos] ?? '')) this.pos += 1;
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`attribute ${attr} is not quoted`);
      const end = this.src.indexOf(quote, this.pos + 1);
      if (end < 0) throw new XmlSyntaxError(`unterminated attribute ${attr}`);
      const value = this.src.slice(this.pos + 1, end);
      if (value.includes('<')) throw new XmlSyntaxError(`"<" in attribute ${attr}`);
      decodeEntities(value, this.pos);
      this.pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new XmlSyntaxError(`element <${name}> is not closed`);
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== name) throw new XmlSyntaxError(`</${closing}> closes <${name}>`);
        while (/\s/.test(this.src[this.pos] ?? '')) this.pos += 1;
        if (this.src[this.pos] !== '>') throw new XmlSyntaxError(`expected ">" after </${closing}`);
        this.pos += 1;
        return { name, children, text };
      }
      if (this.src.startsWith('<!--', this.pos)) {
        this.comment();
      } else if (this.src.startsWith('<![CDATA[', this.pos)) {
        const end = this.src.indexOf(']]>', this.pos + 9);
        if (end < 0) throw new XmlSyntaxError('unterminated CDATA section');
        text += this.src.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.src[this.pos] === '<') {
        children.push(this.element());
      } else {
        const next = this.src.indexOf('<', this.pos);
        const end = next < 0 ? this.src.length : next;
        const raw = this.src.slice(this.pos, end);
        if (raw.includes(']]>')) throw new XmlSyntaxError('"]]>" in text');
        text += decodeEntities(raw, this.pos);
        this.pos = end;
      }
    }
  }
}

/**
 * Parses a whole XML document into its root element; throws {@link XmlSyntaxError} when
 * it is not well-formed (unclosed or mismatched tags, a bare `&` or `<` in text, …).
 *
 * @example parseXml('<Message><MessageBody>a &amp; b</MessageBody></Message>').children[0].text // 'a & b'
 */
export function parseXml(source: string): XmlElement {
  return new Parser(source).document();
}

/** The local name of an element (MNS documents use a default namespace, never a prefix). */
export function localName(element: XmlElement): string {
  const colon = element.name.indexOf(':');
  return colon < 0 ? element.name : element.name.slice(colon + 1);
}


/**
 * An MNS response document: declaration, then the root element in MNS's namespace.
 *
 * @example mnsDocument('Message', { MessageId: 'ID', MessageBodyMD5: 'MD5' })
 */
export function mnsDocument(root: string, fields: XmlNode): string {
  return `${XML_DECLARATION}<${root} xmlns="${MNS_XMLNS}">${xmlChildren(fields)}</${root}>`;
}
