// tools/jobs-file.ts, the one reader of jobs files (npm start and npm run submit): readable,
// with at least one job, placeholders filled in as JSON, every line checked, and no job
// whose queue message MNS would refuse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkMessageSizes, duplicateJobIds, expandVariables, JobsFileError, messageBody, messageBytes, MNS_MAX_JOB_BYTES, MNS_MAX_MESSAGE_BYTES, parseJobLines, readJobsText, usableJobId } from '../../tools/jobs-file';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jobs-file-test-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function refused(reason: string, message: RegExp) {
  return (e: unknown) => e instanceof JobsFileError && e.reason === reason && message.test(e.message);
}

describe('jobs file', () => {
  test('a missing file or a directory is refused in words, naming the file', async () => {
    assert.throws(() => readJobsText(path.join(dir, 'nope.jsonl')), refused('unreadable', /^cannot read the jobs file .*nope\.jsonl: no such file$/));
    assert.throws(() => readJobsText(dir), refused('unreadable', /: it is a directory$/));
  });

  test('a file with no job (empty, blank lines, comments only) is refused', async () => {
    for (const text of ['', '\n\n  \n', '# only a comment\n\n# another\n']) {
      assert.throws(() => parseJobLines(text, {}, 'f.jsonl'), refused('no_jobs', /^f\.jsonl has no jobs/));
    }
  });

  test('lines are validated, placeholders replaced, invalid ones kept with their reason', async () => {
    const file = path.join(dir, 'jobs.jsonl');
    await writeFile(file, '\uFEFF# jobs\n{"jobId":"a", "source":{"url":"${SOURCES_URL}/files/x"},"target":{"key":"a"}}\n\nnot json\n  {"jobId":"b","source":{},"target":{"key":"b"}}\r\n{"jobId":"bad id","source":{"text":"t"},"target":{"key":"c"}}\n');
    const lines = parseJobLines(readJobsText(file), { SOURCES_URL: 'http://127.0.0.1:1234' }, file);
    assert.deepEqual(
      lines.map((l) => [l.line, l.jobId, usableJobId(l), l.problem?.replace(/ \(.*\)$/, '')]),
      [
        [2, 'a', 'a', undefined],
        [4, undefined, undefined, 'not valid JSON'],
        [5, 'b', 'b', 'source must have exactly one of url, text, base64, oss'],
        [6, 'bad id', undefined, 'jobId "bad id" is not 1–128 characters of A-Z a-z 0-9 . _ : -'],
      ],
    );
    assert.equal(lines[0]!.job?.source && 'url' in lines[0]!.job.source ? lines[0]!.job.source.url : '', 'http://127.0.0.1:1234/files/x');
    // What npm start sends is the line as written; what submit sends is its compact JSON.
    assert.equal(lines[0]!.text, '{"jobId":"a", "source":{"url":"http://127.0.0.1:1234/files/x"},"target":{"key":"a"}}');
    assert.equal(lines[0]!.body, '{"jobId":"a","source":{"url":"http://127.0.0.1:1234/files/x"},"target":{"key":"a"}}');
    assert.equal(lines[1]!.body, undefined);
    assert.match(lines[1]!.problem!, /^not valid JSON \(.+\)$/, 'the parser says where');
  });

  test('placeholders: values escaped as JSON string content, unknown names and credentials left as written', () => {
    const vars = { SOURCES_URL: 'http://h', QUOTE: 'a"b\\c', lower_case: 'x', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'never' };
    assert.equal(expandVariables('${SOURCES_URL}/${QUOTE}/${lower_case}', vars), 'http://h/a\\"b\\\\c/x');
    assert.equal(expandVariables('${MISSING} ${ALIBABA_CLOUD_ACCESS_KEY_SECRET} $SOURCES_URL', vars), '${MISSING} ${ALIBABA_CLOUD_ACCESS_KEY_SECRET} $SOURCES_URL');
    const [line] = parseJobLines(JSON.stringify({ jobId: 'q', source: { text: '${QUOTE}' }, target: { key: 'k' } }), vars, 'f');
    assert.equal(line!.job?.source && 'text' in line!.job.source ? line!.job.source.text : '', 'a"b\\c', 'the value arrives as written');
  });

  test('duplicate job ids are listed with their lines', () => {
    const job = (id: string) => JSON.stringify({ jobId: id, source: { text: 't' }, target: { key: 'k' } });
    const lines = parseJobLines([job('a'), job('b'), 'x', job('a'), job('a')].join('\n'), {}, 'f');
    assert.deepEqual(duplicateJobIds(lines), [{ jobId: 'a', lines: [1, 4, 5] }]);
  });

  test('messageBytes is the length of the Base64 message actually sent', () => {
    for (const size of [0, 1, 2, 3, 4, 100, 49_151, 49_152, 49_153]) {
      const [line] = parseJobLines(JSON.stringify({ jobId: 'j', source: { text: 'é'.repeat(size) }, target: { key: 'k' } }), {}, 'f');
      assert.equal(messageBytes(line!.text), messageBody(line!.text).length);
    }
  });

  test('a job whose message exceeds 64 KB is refused, naming its line and id and the MNS limit', () => {
    const job = (id: string, bytes: number) => JSON.stringify({ jobId: id, source: { text: 'x'.repeat(bytes) }, target: { key: 'k' } });
    // 49,152 bytes of line make exactly 65,536 bytes of Base64.
    const overhead = job('fits', 0).length;
    const lines = parseJobLines([job('fits', 49_152 - overhead), job('big-1', 49_153 - overhead), job('big-2', 50 * 1024 * 1024)].join('\n'), {}, 'f');
    assert.equal(messageBytes(lines[0]!.text), MNS_MAX_MESSAGE_BYTES);
    assert.equal(Buffer.byteLength(lines[0]!.text), MNS_MAX_JOB_BYTES);
    assert.doesNotThrow(() => checkMessageSizes(lines.slice(0, 1), MNS_MAX_MESSAGE_BYTES));
    assert.throws(
      () => checkMessageSizes(lines, MNS_MAX_MESSAGE_BYTES),
      refused('message_too_large', /^2 jobs are too large for an MNS message; nothing was sent:\n {2}line 2 \(job big-1\): its message is 65,540 bytes\n {2}line 3 \(job big-2\): its message is 69,905,\d{3} bytes\nAn MNS message holds at most 65,536 bytes \(64 KB: https:\/\/www\.alibabacloud\.com\/help\/en\/mns\/developer-reference\/queue-queue\)/),
    );
  });
});
