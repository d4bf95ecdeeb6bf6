// The ticket function's request handling without FC: routes, methods, the user header
// (any letter case, as FC re-capitalises it), and the read endpoint's ownership rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../../lib/records/record';
import { StoreError } from '../../../lib/store/errors';
import type { TicketConfig } from '../../../lib/ticket/config';
import { handleTicketRequest, type TicketDeps } from '../../../lib/ticket/handle';

const CREDENTIALS = { accessKeyId: 'LTAI5tHandle', accessKeySecret: 'handle-secret' };
const config: TicketConfig = {
  region: 'cn-hangzhou',
  bucket: 'photos',
  uploadUrl: 'http://127.0.0.1:9000/photos',
  callbackUrl: 'http://127.0.0.1:9001/oss/callback',
  tokenSecrets: ['handle-test-secret-0123456789'],
  keyPrefix: 'uploads/',
  perUser: true,
  userHeader: 'x-user-id',
  maxBytesCap: 1024,
  expiresSeconds: 600,
  store: { endpoint: 'http://127.0.0.1:1', instance: 'inst', table: 'upload_results', credentials: CREDENTIALS },
};

function record(jobId: string, user: string): JobRecord {
  return { jobId, status: 'uploaded', recordedBy: 'callback', etag: 'ABC', size: 3, vars: { user }, deliveries: 0, createdAt: 1, updatedAt: 2 };
}

/** Records as the store would hold them, keyed by job id (the one read the endpoint makes). */
function deps(records: JobRecord[], failing = false): TicketDeps {
  return {
    config,
    credentials: CREDENTIALS,
    store: {
      getRecord: async (jobId) => {
        if (failing) throw new StoreError('timeout', 'Tablestore did not answer');
        return records.find((r) => r.jobId === jobId);
      },
    },
  };
}

const post = (headers: Record<string, string>, body: unknown, path = '/tickets') => ({ method: 'POST', path, headers, body: Buffer.from(JSON.stringify(body)) });
const get = (headers: Record<string, string>, path: string) => ({ method: 'GET', path, headers, body: Buffer.alloc(0) });

describe('ticket request handling', () => {
  test('POST /tickets issues a ticket for the user in X-User-Id (any case), also with a trailing slash', async () => {
    const answer = await handleTicketRequest(post({ 'X-User-Id': 'u-42' }, { filename: 'a.txt' }, '/tickets/'), deps([]));
    assert.equal(answer.status, 200);
    assert.equal(answer.outcome, 'issued');
    assert.match(String(answer.body.jobId), /^u-42:/);
  });

  test('GET /tickets/{jobId}: the owner reads the record; another user, a foreign record, or none yet is 404', async () => {
    const records = [record('u-42:a', 'u-42'), record('u-7:b', 'u-7'), record('u-42:forged', 'u-7')];
    const own = await handleTicketRequest(get({ 'x-user-id': 'u-42' }, '/tickets/u-42%3Aa'), deps(records));
    assert.equal(own.status, 200);
    assert.deepEqual(own.body, { jobId: 'u-42:a', status: 'uploaded', updatedAt: 2, recordedBy: 'callback', etag: 'ABC', size: 3 });
    for (const path of ['/tickets/u-7%3Ab', '/tickets/u-42%3Aforged', '/tickets/u-42%3Anone', '/tickets/%E0%A4%A']) {
      const answer = await handleTicketRequest(get({ 'x-user-id': 'u-42' }, path), deps(records));
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.error, 'not_found', path);
    }
  });

  test('wrong methods, unknown paths, no user, a store that is down', async () => {
    assert.equal((await handleTicketRequest(get({ 'x-user-id': 'u-42' }, '/tickets'), deps([]))).status, 405);
    assert.equal((await handleTicketRequest(post({ 'x-user-id': 'u-42' }, {}, '/tickets/u-42%3Aa'), deps([]))).status, 405);
    assert.equal((await handleTicketRequest(post({ 'x-user-id': 'u-42' }, {}, '/other'), deps([]))).status, 404);
    assert.equal((await handleTicketRequest(get({ 'x-user-id': 'u-42' }, '/tickets/a/b'), deps([]))).status, 404);
    const anonymous = await handleTicketRequest(post({}, { filename: 'a.txt' }), deps([]));
    assert.deepEqual([anonymous.status, anonymous.body.error], [401, 'user_missing']);
    const down = await handleTicketRequest(get({ 'x-user-id': 'u-42' }, '/tickets/u-42%3Aa'), deps([], true));
    assert.deepEqual([down.status, down.body.error], [503, 'store_unavailable']);
  });
});
