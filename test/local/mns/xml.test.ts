// The MNS emulator's XML reader and writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mnsDocument, parseXml, XmlSyntaxError } from '../../../local/mns/xml';

test('parses a request document: declaration, namespace, entities, CDATA, comments', () => {
  const root = parseXml(
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><Messages xmlns="http://mns.aliyuncs.com/doc/v1/">' +
      '<Message><MessageBody>a &amp; b &lt;c&gt; &#233;&#x4e2d; &quot;&apos;</MessageBody><Priority> 3 </Priority></Message>' +
      '<Message><MessageBody><![CDATA[<raw & text>]]></MessageBody><Empty/></Message></Messages>',
  );
  assert.equal(root.name, 'Messages');
  assert.equal(root.children.length, 2);
  assert.equal(root.children[0]!.children[0]!.text, 'a & b <c> é中 "\'');
  assert.equal(root.children[0]!.children[1]!.text, ' 3 ');
  assert.equal(root.children[1]!.children[0]!.text, '<raw & text>');
  assert.deepEqual(root.children[1]!.children[1], { name: 'Empty', children: [], text: '' });
});

test('rejects documents that are not well-formed', () => {
  for (const bad of [
    '<Message><MessageBody>a & b</MessageBody></Message>',
    '<Message><MessageBody>a < b</MessageBody></Message>',
    '<Message><MessageBody>x</Message>',
    '<Message><MessageBody>x</MessageBody>',
    '<Message>&bogus;</Message>',
    '<Message></Message><Second/>',
    '<Message a="1" a="2"/>',
    'just text',
    '',
  ]) {
    assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
  }
});

test('writes MNS documents with the namespace on the root and escaped text', () => {
  assert.equal(
    mnsDocument('Messages', { Message: [{ MessageId: 'A', MessageBody: 'x < y & z' }, { MessageId: 'B', Skipped: undefined }] }),
    '<?xml version="1.0" encoding="UTF-8"?>\n<Messages xmlns="http://mns.aliyuncs.com/doc/v1/">' +
      '<Message><MessageId>A</MessageId><MessageBody>x &lt; y &amp; z</MessageBody></Message>' +
      '<Message><MessageId>B</MessageId></Message></Messages>',
  );
});
