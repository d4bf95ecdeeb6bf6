// Requests that can never be sent (a header value Node refuses, an object name that is not
// UTF-8) are deterministic failures: the classifier must not mistake ali-oss's status -1
// for a network error, and the uploader records them `failed` after one attempt. Real
// ali-oss against the OSS emulator; a closed port for the network error it must still retry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import OSS from 'ali-oss';
import type { Job } from '../../../lib/jobs/job';
import type { OssObjectClient } from '../../../lib/uploader/oss-client';
import { isTransient, isUnsendableRequest, reasonOf } from '../../../lib/uploader/errors';
import { uploadJob } from '../../../lib/uploader/upload';
import { startOssEmulator, type OssEmulator } from '../../../local/oss/index';

const BUCKET = 'unsendable';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  return assert.fail('expected a failure');
}

describe('requests that cannot be sent', () => {
  let emulator: OssEmulator;
  let client: OSS;

  before(async () => {
    emulator = await startOssEmulator({ port: 0 });
    client = new OSS({ endpoint: emulator.url, region: `oss-${emulator.region}`, authorizationV4: true, bucket: BUCKET, accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret });
    await client.putBucket(BUCKET);
  });
  after(() => emulator.close());

  test('ali-oss reports a header Node refuses as status -1 TypeError: deterministic, not transient, nothing reaches OSS', async () => {
    emulator.resetRequestCounts();
    for (const headers of [{ 'x-oss-meta-note': '发票' }, { 'x-oss-meta-note': 'a\u0000b' }, { 'Content-Type': 'text/plain; x=\u0001' }]) {
      const error = (await failure(() => client.put('k.txt', Buffer.from('x'), { headers }))) as { status?: number; name?: string; message?: string };
      // The shape the classifier relies on (ali-oss 6.23 lib/client.js requestError; urllib 2.x).
      assert.equal(error.status, -1);
      assert.equal(error.name, 'TypeError');
      assert.match(error.message ?? '', /Invalid character in header content/);
      assert.equal(isUnsendableRequest(error), true);
      assert.equal(isTransient(error), false);
      assert.equal(reasonOf(error), 'request_not_sendable');
    }
    assert.equal(emulator.requestCounts().PutObject, undefined);
  });

  test("Node's own errors are recognised by their code", () => {
    const refused = (() => {
      try {
        return http.request({ host: '127.0.0.1', port: 1, headers: { 'x-a': '发票' } });
      } catch (error) {
        return error;
      }
    })() as NodeJS.ErrnoException;
    assert.equal(refused.code, 'ERR_INVALID_CHAR');
    assert.equal(isTransient(refused), false);
    assert.equal(reasonOf(refused), 'request_not_sendable');
  });

  test('a network failure through ali-oss (status -1 too) stays transient', async () => {
    const down = new OSS({ endpoint: `http://127.0.0.1:${await closedPort()}`, region: 'oss-cn-hangzhou', authorizationV4: true, bucket: BUCKET, accessKeyId: 'a', accessKeySecret: 'b', timeout: 2000 });
    const error = (await failure(() => down.put('k.txt', Buffer.from('x')))) as { status?: number; name?: string };
    assert.equal(error.status, -1);
    assert.notEqual(error.name, 'TypeError');
    assert.equal(isUnsendableRequest(error), false);
    assert.equal(isTransient(error), true);
  });

  test('the uploader records such a job failed after one attempt, with no back-off', async () => {
    // Built by hand: parseJob refuses this job before it gets here (test/lib/jobs/job.test.ts).
    const job: Job = { jobId: 'poison-1', source: { text: 'x' }, target: { key: 'poison.txt' }, metadata: { note: '发票' } };
    const sleeps: number[] = [];
    emulator.resetRequestCounts();
    const result = await uploadJob(job, {
      ossFor: () => client as unknown as OssObjectClient,
      settings: {
        multipartThresholdBytes: 1024 * 1024,
        partSizeBytes: 102400,
        partConcurrency: 2,
        retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
        source: { timeoutMs: 1000, maxRedirects: 0, addresses: { allowPrivate: false, allowMetadata: false } },
      },
      defaultBucket: BUCKET,
      callbackUrl: 'http://127.0.0.1:9/cb',
      tokenSecrets: ['unsendable-test-secret-0123456789'],
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    assert.equal(result.kind, 'failed');
    assert.equal(result.kind === 'failed' && result.reason, 'request_not_sendable');
    assert.equal(result.kind === 'failed' && result.outcome.reason, 'request_not_sendable');
    assert.deepEqual(sleeps, [], 'not retried');
    assert.equal(emulator.requestCounts().PutObject, undefined);
  });
});
