// The streaming multipart/form-data reader of PostObject: exact fields and file bytes
// however the body is cut into chunks, file bytes handed out before the body has ended
// (nothing is buffered whole), and the refusals of malformed bodies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { OssError } from '../../../local/oss/errors';
import { FormReader, formBoundary } from '../../../local/oss/post-object/form-reader';

const BOUNDARY = '----WebKitFormBoundaryW0DET1iaBMeAOBg3';

function body(fields: [string, string][], file: Buffer, boundary = BOUNDARY): Buffer {
  const head = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('');
  return Buffer.concat([
    Buffer.from(`preamble is ignored\r\n${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a b.bin"\r\nContent-Type: image/png\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="after"\r\n\r\nignored\r\n--${boundary}--\r\n`),
  ]);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('PostObject form reader', () => {
  test('formBoundary reads the boundary of multipart/form-data only', () => {
    assert.equal(formBoundary(`multipart/form-data; boundary=${BOUNDARY}`), BOUNDARY);
    assert.equal(formBoundary('multipart/form-data; charset=utf-8; boundary="a b"'), 'a b');
    assert.equal(formBoundary('application/x-www-form-urlencoded'), undefined);
    assert.equal(formBoundary('multipart/form-data'), undefined);
    assert.equal(formBoundary(undefined), undefined);
  });

  test('fields and file come out exactly, whatever the chunk size, even with delimiter look-alikes in the file', async () => {
    // CRLF, a partial delimiter and a delimiter of another boundary inside the file.
    const file = Buffer.concat([randomBytes(300), Buffer.from(`\r\n--${BOUNDARY.slice(0, 20)}\r\n--other\r\n`), randomBytes(300)]);
    const whole = body([['key', 'uploads/a.txt'], ['x:note', 'hé "quoted"'], ['Content-Type', 'text/plain']], file);
    for (const size of [1, 2, 7, 64, 1000, whole.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) chunks.push(whole.subarray(i, i + size));
      const form = new FormReader(Readable.from(chunks), BOUNDARY);
      const head = await form.readHead();
      assert.deepEqual(head.fields, [
        { name: 'key', value: 'uploads/a.txt' },
        { name: 'x:note', value: 'hé "quoted"' },
        { name: 'Content-Type', value: 'text/plain' },
      ]);
      assert.deepEqual(head.file, { name: 'file', filename: 'a b.bin', contentType: 'image/png' });
      assert.ok((await collect(form.fileBytes())).equals(file), `chunk size ${size}`);
      await form.drain();
    }
  });

  test('the file streams: its first bytes are handed out before the rest of the body is sent', async () => {
    const stream = new PassThrough();
    const first = randomBytes(64 * 1024);
    const whole = body([['key', 'k']], Buffer.concat([first, Buffer.from('rest')]));
    const cut = whole.indexOf(first) + first.length;
    stream.write(whole.subarray(0, cut));
    const form = new FormReader(stream, BOUNDARY);
    await form.readHead();
    const bytes = form.fileBytes();
    let received = 0;
    // The body is still open: these reads can only finish if the reader streams.
    while (received < first.length - 100) {
      const next = await bytes.next();
      assert.equal(next.done, false);
      received += (next.value as Buffer).length;
    }
    stream.end(whole.subarray(cut));
    for await (const chunk of { [Symbol.asyncIterator]: () => bytes }) received += chunk.length;
    assert.equal(received, first.length + 4);
  });

  test('malformed bodies are MalformedPOSTRequest; a long field is FieldItemTooLong', async () => {
    const refuse = async (text: string | Buffer, code: string): Promise<void> => {
      const form = new FormReader(Readable.from([Buffer.from(text)]), 'XyZ');
      await assert.rejects(
        (async () => {
          await form.readHead();
          await collect(form.fileBytes());
        })(),
        (error: unknown) => error instanceof OssError && error.code === code,
        JSON.stringify(String(text).slice(0, 60)),
      );
    };
    await refuse('no boundary here at all', 'MalformedPOSTRequest');
    await refuse('--XyZ\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--XyZ--', 'MalformedPOSTRequest');
    await refuse('--XyZ\r\nContent-Disposition: attachment; name="key"\r\n\r\nvalue\r\n--XyZ--', 'MalformedPOSTRequest');
    await refuse('--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nnever ends', 'MalformedPOSTRequest');
    await refuse('--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nno closing boundary', 'MalformedPOSTRequest');
    await refuse(`--XyZ\r\nContent-Disposition: form-data; name="policy"\r\n\r\n${'p'.repeat(4097)}\r\n--XyZ--`, 'FieldItemTooLong');
    // 4096 bytes exactly is allowed.
    const ok = new FormReader(Readable.from([Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="policy"\r\n\r\n${'p'.repeat(4096)}\r\n--XyZ--\r\n`)]), 'XyZ');
    assert.equal((await ok.readHead()).fields[0]!.value.length, 4096);
  });
});
