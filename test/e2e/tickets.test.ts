// Upload tickets end to end, through the built bundles on the local stack: a JWT the FC
// host verifies, a ticket from the ticket function, the form posted straight to the OSS
// emulator, OSS's callback to the callback function, and the record read back by its
// owner. Then everything that must be refused, and must leave no uploaded record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { issueTicket, type Ticket } from '../../lib/ticket/issue';
import { ticketConfigFromEnv } from '../../lib/ticket/config';
import { parseTicketRequest } from '../../lib/ticket/request';
import type { LocalStack } from '../../local/stack';
import { readFileSync } from 'node:fs';
import { postForm } from '../local/oss/post-form';
import { runSubmit } from '../scripts/submit/run-submit';
import { startE2eStack, waitForRecord, httpRequest, type E2eStack } from './support';

describe('e2e: upload tickets', () => {
  let e2e: E2eStack;
  let stack: LocalStack;

  before(async () => {
    e2e = await startE2eStack({ trigger: false, ticketEnv: { TICKET_MAX_BYTES: String(1024 * 1024) } });
    stack = e2e.stack;
  });
  after(() => e2e.close());

  async function ticketFor(token: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const answer = await httpRequest(stack.ticketUrl, 'POST', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify(body));
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }

  async function readRecord(token: string, jobId: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const answer = await httpRequest(`${stack.ticketUrl}/${encodeURIComponent(jobId)}`, 'GET', { authorization: `Bearer ${token}` });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }

  test('a file posted with the ticket\'s form ends as an uploaded record, recorded by the callback, with its size and ETag; only its owner reads it', async () => {
    const token = stack.mintTicketToken('alice');
    const content = randomBytes(200_000);
    const issued = await ticketFor(token, { filename: 'holiday.jpg', contentType: 'image/jpeg', maxBytes: content.length, vars: { album: 'summer' } });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const ticket = issued.body as unknown as Ticket;
    assert.match(ticket.jobId, /^alice:/);
    // Issuing writes nothing.
    assert.equal(await stack.store.getRecord(ticket.jobId), undefined);
    assert.equal((await readRecord(token, ticket.jobId)).status, 404);

    const answer = await postForm(ticket.url, ticket.fields, content, { filename: 'holiday.jpg', type: 'image/jpeg' });
    assert.equal(answer.status, 200, answer.text);
    const md5 = createHash('md5').update(content).digest('hex').toUpperCase();
    assert.deepEqual(JSON.parse(answer.text), { jobId: ticket.jobId, status: 'uploaded', etag: md5, size: content.length });

    const record = await waitForRecord(stack, ticket.jobId);
    assert.equal(record.status, 'uploaded');
    assert.equal(record.recordedBy, 'callback');
    assert.equal(record.size, content.length);
    assert.equal(record.etag, md5);
    assert.equal(record.object, ticket.fields.key);
    assert.equal(record.mimeType, 'image/jpeg');
    assert.equal(record.operation, 'PostObject');
    assert.deepEqual(record.vars, { album: 'summer', user: 'alice' });

    const own = await readRecord(token, ticket.jobId);
    assert.equal(own.status, 200);
    assert.equal(own.body.status, 'uploaded');
    assert.equal(own.body.etag, md5);
    assert.equal(own.body.size, content.length);
    const other = await readRecord(stack.mintTicketToken('mallory'), ticket.jobId);
    assert.equal(other.status, 404);
    assert.equal(other.body.error, 'not_found');
  });

  test('npm run submit -- <files> --via ticket uploads each file by ticket and prints its record', async () => {
    const files = ['examples/files/logo.png', 'examples/files/report.csv'];
    const env = { TICKET_URL: stack.ticketUrl, TICKET_TOKEN: stack.mintTicketToken('carol') };
    const run = await runSubmit([...files, '--via', 'ticket'], env);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    for (const file of files) {
      const content = readFileSync(new URL(`../../${file}`, import.meta.url));
      const md5 = createHash('md5').update(content).digest('hex').toUpperCase();
      assert.match(run.stdout, new RegExp(`^${file.replace(/\./g, '\\.')}\\s+carol:\\S+\\s+uploaded\\s+${content.length}\\s+${md5}$`, 'm'));
    }
    const refused = await runSubmit([files[0]!, '--via=ticket'], { ...env, TICKET_TOKEN: stack.mintTicketToken('carol', { ttlSeconds: -5 }) });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /no ticket \(HTTP 401\)/);
    const unset = await runSubmit([files[0]!, '--via', 'ticket'], { TICKET_URL: stack.ticketUrl });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /TICKET_TOKEN must be set/);
  });

  test('FC refuses requests without a good token before the function runs: missing, expired, forged, misplaced', async () => {
    const invocations = (): number => stack.fc.stats().functions.ticket!.invocations;
    const before = invocations();
    const good = stack.mintTicketToken('alice');
    const body = JSON.stringify({ filename: 'a.txt' });
    const forged = (() => {
      // Same claims, signed by a key the trigger does not trust.
      const [h, p] = good.split('.');
      return `${h}.${p}.${randomBytes(256).toString('base64url')}`;
    })();
    for (const [label, headers, url] of [
      ['no token', {}, stack.ticketUrl],
      ['expired', { authorization: `Bearer ${stack.mintTicketToken('alice', { ttlSeconds: -60 })}` }, stack.ticketUrl],
      ['forged signature', { authorization: `Bearer ${forged}` }, stack.ticketUrl],
      ['no Bearer prefix', { authorization: good }, stack.ticketUrl],
      ['in the query', {}, `${stack.ticketUrl}?Authorization=${good}`],
    ] as [string, Record<string, string>, string][]) {
      const answer = await httpRequest(url, 'POST', { ...headers, 'content-type': 'application/json' }, body);
      assert.equal(answer.status, 401, label);
      assert.equal((JSON.parse(answer.body) as { ErrorCode: string }).ErrorCode, 'InvalidToken', label);
    }
    assert.equal(invocations(), before, 'a refused request must not reach the function');
  });

  test('the user id comes from the verified token, never from a header the client sends', async () => {
    const answer = await httpRequest(stack.ticketUrl, 'POST', { authorization: `Bearer ${stack.mintTicketToken('alice')}`, 'x-user-id': 'mallory', 'content-type': 'application/json' }, JSON.stringify({ filename: 'a.txt' }));
    assert.equal(answer.status, 200);
    assert.match((JSON.parse(answer.body) as Ticket).jobId, /^alice:/);
  });

  test('clear JSON refusals from the function: key outside the prefix, maxBytes above the cap, malformed bodies, wrong method or path', async () => {
    const token = stack.mintTicketToken('alice');
    const cases: [Record<string, unknown> | string, number, string][] = [
      [{ key: 'uploads/users/bob/x.txt' }, 403, 'key_outside_prefix'],
      [{ key: 'elsewhere/x.txt' }, 403, 'key_outside_prefix'],
      [{ filename: 'a.txt', maxBytes: 1024 * 1024 + 1 }, 400, 'max_bytes_above_cap'],
      ['{"filename":', 400, 'body_not_json'],
      [{ filename: 'a.txt', extra: true }, 400, 'bad_request'],
    ];
    for (const [body, status, reason] of cases) {
      const answer = await httpRequest(stack.ticketUrl, 'POST', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(answer.status, status, reason);
      assert.equal((JSON.parse(answer.body) as { error: string }).error, reason);
      assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
    }
    const wrongMethod = await httpRequest(stack.ticketUrl, 'GET', { authorization: `Bearer ${token}` });
    assert.equal(wrongMethod.status, 405);
    const wrongPath = await httpRequest(stack.ticketUrl.replace('/tickets', '/other'), 'POST', { authorization: `Bearer ${token}` }, '{}');
    assert.equal(wrongPath.status, 404);
  });

  test('at OSS: a form breaking its policy or with a tampered callback is refused with OSS\'s error and leaves no record', async () => {
    const token = stack.mintTicketToken('alice');
    const fresh = async (maxBytes = 100): Promise<Ticket> => (await ticketFor(token, { filename: 'p.txt', maxBytes })).body as unknown as Ticket;

    const large = await fresh(100);
    const tooLarge = await postForm(large.url, large.fields, randomBytes(101));
    assert.equal(tooLarge.error?.code, 'EntityTooLarge');

    const moved = await fresh();
    const wrongKey = await postForm(moved.url, { ...moved.fields, key: moved.fields.key!.replace('p.txt', 'q.txt') }, Buffer.from('x'));
    assert.equal(wrongKey.error?.code, 'AccessDenied');
    assert.match(wrongKey.error!.message, /Policy Condition failed: \["eq", "\$key", /);

    const tampered = await fresh();
    const callback = JSON.parse(Buffer.from(tampered.fields.callback!, 'base64').toString('utf8')) as Record<string, string>;
    const evil = Buffer.from(JSON.stringify({ ...callback, callbackUrl: 'http://127.0.0.1:9/steal' })).toString('base64');
    const tamperedAnswer = await postForm(tampered.url, { ...tampered.fields, callback: evil }, Buffer.from('x'));
    assert.equal(tamperedAnswer.error?.code, 'AccessDenied');
    assert.match(tamperedAnswer.error!.message, /Policy Condition failed: \["eq", "\$callback", /);
    const noCallback = { ...tampered.fields };
    delete noCallback.callback;
    assert.equal((await postForm(tampered.url, noCallback, Buffer.from('x'))).error?.code, 'AccessDenied');
    const otherToken = await postForm(tampered.url, { ...tampered.fields, 'x:token': 'v1.abc.' + 'A'.repeat(43) }, Buffer.from('x'));
    assert.equal(otherToken.error?.code, 'AccessDenied');

    // Loosening the policy itself breaks its signature.
    const policy = JSON.parse(Buffer.from(tampered.fields.policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    policy.conditions = policy.conditions.filter((c) => !(Array.isArray(c) && c[1] === '$callback'));
    const loosened = await postForm(tampered.url, { ...tampered.fields, callback: evil, policy: Buffer.from(JSON.stringify(policy)).toString('base64') }, Buffer.from('x'));
    assert.equal(loosened.error?.code, 'SignatureDoesNotMatch');

    for (const ticket of [large, moved, tampered]) assert.equal(await stack.store.getRecord(ticket.jobId), undefined, ticket.jobId);
  });

  test('an expired ticket, and one signed with keys OSS does not know, are refused by OSS; no record', async () => {
    const env = { OSS_BUCKET: stack.bucket, OSS_ENDPOINT: stack.oss.url, FC_REGION: stack.fc.region, CALLBACK_URL: stack.callbackUrl, CALLBACK_TOKEN_SECRET: stack.tokenSecret, ...stack.endpoints };
    const config = ticketConfigFromEnv(env);
    const request = parseTicketRequest(Buffer.from(JSON.stringify({ filename: 'late.txt' })));
    // Issued 11 minutes ago: its 10-minute policy has run out.
    const expired = issueTicket(request, 'alice', config, config.store.credentials, Date.now() - 11 * 60_000);
    const late = await postForm(expired.url, expired.fields, Buffer.from('late'));
    assert.equal(late.status, 403);
    assert.deepEqual(late.error, { code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
    const forged = issueTicket(request, 'alice', config, { accessKeyId: config.store.credentials.accessKeyId, accessKeySecret: 'guessed-secret' });
    assert.equal((await postForm(forged.url, forged.fields, Buffer.from('x'))).error?.code, 'SignatureDoesNotMatch');
    for (const ticket of [expired, forged]) assert.equal(await stack.store.getRecord(ticket.jobId), undefined);
  });
});
