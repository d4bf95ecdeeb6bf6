// The MNS emulator driven by the real @alicloud/mns client (and by raw signed requests
// where the client hides the wire: error documents, headers, auth failures).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import MNSClient from '@alicloud/mns';
import { startMnsEmulator, type MnsEmulator } from '../../../local/mns/index';
import { mnsSignature, stringToSign } from '../../../local/mns/signature';

let mns: MnsEmulator;
let client: MNSClient;
let queueCounter = 0;

before(async () => {
  mns = await startMnsEmulator();
  client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
});

after(async () => {
  await mns.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh queue with a 1 s visibility timeout. */
async function freshQueue(attributes: MNSClient.QueueAttributesInput = {}): Promise<string> {
  queueCounter += 1;
  const name = `q-${queueCounter}`;
  await client.createQueue(name, { VisibilityTimeout: 1, ...attributes });
  return name;
}

/** Asserts that `promise` rejects with the SDK's error for an MNS error code and status. */
async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, `MNS${code}Error`);
    assert.match(error.message, new RegExp(`failed with ${status}\\.`));
    return true;
  });
}

/** A raw request signed like the SDK signs (or not signed, or signed with `secret`). */
async function rawRequest(
  method: string,
  resource: string,
  options: { body?: string; secret?: string; keyId?: string; date?: string; unsigned?: boolean } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const date = options.date ?? new Date().toUTCString();
  const headers: Record<string, string> = { date, 'x-mns-version': '2015-06-06' };
  if (options.body !== undefined) headers['content-type'] = 'text/xml';
  if (!options.unsigned) {
    const signature = mnsSignature(options.secret ?? mns.accessKeySecret, stringToSign(method, headers, resource));
    headers.authorization = `MNS ${options.keyId ?? mns.accessKeyId}:${signature}`;
  }
  const res = await fetch(`${mns.url}${resource}`, { method, headers, body: options.body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('queues', () => {
  test('CreateQueue answers 201 with Location, 204 for the same attributes, 409 QueueAlreadyExist otherwise', async () => {
    const created = await client.createQueue('made', { VisibilityTimeout: 5 });
    assert.equal(created.code, 201);
    assert.equal(created.headers.location, `${mns.url}/queues/made`);
    assert.equal((await client.createQueue('made', { VisibilityTimeout: 5 })).code, 204);
    await rejectsWith(client.createQueue('made', { VisibilityTimeout: 6 }), 'QueueAlreadyExist', 409);
  });

  test('queue names and attribute ranges are checked', async () => {
    await rejectsWith(client.createQueue('-starts-with-dash'), 'InvalidQueueName', 400);
    await rejectsWith(client.createQueue('a'.repeat(121)), 'QueueNameLengthError', 400);
    await rejectsWith(client.createQueue('vt-too-long', { VisibilityTimeout: 43201 }), 'InvalidArgument', 400);
    await rejectsWith(client.createQueue('poll-too-long', { PollingWaitSeconds: 31 }), 'InvalidArgument', 400);
  });

  test('GetQueueAttributes reports attributes and message counts by state', async () => {
    const q = await freshQueue({ MaximumMessageSize: 2048 });
    await client.sendMessage(q, { MessageBody: 'active' });
    await client.sendMessage(q, { MessageBody: 'delayed', DelaySeconds: 60 });
    await client.sendMessage(q, { MessageBody: 'received' });
    await client.receiveMessage(q);
    const { code, body } = await client.getQueueAttributes(q);
    assert.equal(code, 200);
    assert.equal(body.QueueName, q);
    assert.equal(body.VisibilityTimeout, '1');
    assert.equal(body.MaximumMessageSize, '2048');
    assert.equal(body.MessageRetentionPeriod, '345600');
    assert.equal(body.ActiveMessages, '1');
    assert.equal(body.InactiveMessages, '1');
    assert.equal(body.DelayMessages, '1');
    assert.equal(body.LoggingEnabled, 'False');
    assert.ok(Math.abs(Number(body.CreateTime) - Date.now() / 1000) < 5, 'CreateTime is in seconds');
    assert.deepEqual(mns.queueStats(q), { visible: 1, inflight: 1, delayed: 1 });
  });

  test('SetQueueAttributes changes only the named attributes', async () => {
    const q = await freshQueue({ DelaySeconds: 2 });
    assert.equal((await client.setQueueAttributes(q, { VisibilityTimeout: 7 })).code, 204);
    const { body } = await client.getQueueAttributes(q);
    assert.equal(body.VisibilityTimeout, '7');
    assert.equal(body.DelaySeconds, '2');
  });

  test('a missing queue is QueueNotExist 404; DeleteQueue is 204 even when there is none', async () => {
    await rejectsWith(client.getQueueAttributes('no-such-queue'), 'QueueNotExist', 404);
    await rejectsWith(client.sendMessage('no-such-queue', { MessageBody: 'x' }), 'QueueNotExist', 404);
    await rejectsWith(client.receiveMessage('no-such-queue'), 'QueueNotExist', 404);
    assert.equal((await client.deleteQueue('no-such-queue')).code, 204);
    const q = await freshQueue();
    assert.equal((await client.deleteQueue(q)).code, 204);
    await rejectsWith(client.getQueueAttributes(q), 'QueueNotExist', 404);
  });

  test('ListQueue lists queue URLs, filtered by prefix and paged', async () => {
    await client.createQueue('list-a');
    await client.createQueue('list-b');
    await client.createQueue('list-c');
    const all = await client.listQueue(undefined, 1000, 'list-');
    assert.deepEqual(all.body?.map((q) => q.QueueURL), ['a', 'b', 'c'].map((s) => `${mns.url}/queues/list-${s}`));
    const page = await client.listQueue(undefined, 2, 'list-');
    assert.equal(page.body?.length, 2);
    const none = await client.listQueue(undefined, 10, 'nothing-like-this');
    assert.equal(none.body, undefined);
  });
});

describe('messages', () => {
  test('SendMessage answers 201 with MessageId and the upper-case MD5 of the body; ReceiveMessage returns every field', async () => {
    const q = await freshQueue();
    const body = '{"jobId":"j-1","note":"héllo \\"quoted\\" & <tagged>"}';
    const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const sent = await client.sendMessage(q, { MessageBody: escaped });
    const md5 = createHash('md5').update(body).digest('hex').toUpperCase();
    assert.equal(sent.code, 201);
    assert.match(sent.body.MessageId, /^[0-9A-F]{32}$/);
    assert.equal(sent.body.MessageBodyMD5, md5);

    const before = Date.now();
    const { code, body: m } = await client.receiveMessage(q);
    assert.equal(code, 200);
    assert.equal(m.MessageId, sent.body.MessageId);
    assert.equal(m.MessageBody, body);
    assert.equal(m.MessageBodyMD5, md5);
    assert.equal(m.DequeueCount, '1');
    assert.equal(m.Priority, '8');
    assert.match(m.ReceiptHandle, /^1-[A-Za-z0-9+/=]+$/);
    assert.ok(Number(m.EnqueueTime) <= Number(m.FirstDequeueTime));
    assert.ok(Number(m.FirstDequeueTime) >= before - 5);
    assert.ok(Math.abs(Number(m.NextVisibleTime) - (Number(m.FirstDequeueTime) + 1000)) < 5, 'NextVisibleTime = receive time + VisibilityTimeout');
  });

  test('a Base64 body travels unchanged', async () => {
    const q = await freshQueue();
    const encoded = Buffer.from('{"jobId":"b64","text":"<&>"}').toString('base64');
    await client.sendMessage(q, { MessageBody: encoded });
    const { body } = await client.receiveMessage(q);
    assert.equal(body.MessageBody, encoded);
  });

  test('a body the SDK left unescaped is MalformedXML; an empty or oversized body is InvalidArgument', async () => {
    const q = await freshQueue({ MaximumMessageSize: 1024 });
    await rejectsWith(client.sendMessage(q, { MessageBody: 'a < b' }), 'MalformedXML', 400);
    await rejectsWith(client.sendMessage(q, { MessageBody: 'a & b' }), 'MalformedXML', 400);
    await rejectsWith(client.sendMessage(q, { MessageBody: '' }), 'InvalidArgument', 400);
    await rejectsWith(client.sendMessage(q, { MessageBody: 'x'.repeat(1025) }), 'InvalidArgument', 400);
    await rejectsWith(client.sendMessage(q, { MessageBody: 'x', Priority: 17 }), 'InvalidArgument', 400);
    await rejectsWith(client.sendMessage(q, { MessageBody: 'x', DelaySeconds: 604801 }), 'InvalidArgument', 400);
  });

  test('an empty queue answers MessageNotExist 404 after the wait', async () => {
    const q = await freshQueue();
    const started = Date.now();
    await rejectsWith(client.receiveMessage(q), 'MessageNotExist', 404);
    assert.ok(Date.now() - started < 500, 'no wait without waitseconds');
    const waitStarted = Date.now();
    await rejectsWith(client.receiveMessage(q, 1), 'MessageNotExist', 404);
    assert.ok(Date.now() - waitStarted >= 950, 'long poll held the request for waitseconds');
    await rejectsWith(client.batchReceiveMessage(q, 5), 'MessageNotExist', 404);
  });

  test('a long poll returns as soon as a message is sent', async () => {
    const q = await freshQueue();
    const started = Date.now();
    const receiving = client.receiveMessage(q, 5);
    await sleep(200);
    await client.sendMessage(q, { MessageBody: 'wake up' });
    const { body } = await receiving;
    assert.equal(body.MessageBody, 'wake up');
    assert.ok(Date.now() - started < 2000);
  });

  test('the queue PollingWaitSeconds applies when waitseconds is not given', async () => {
    const q = await freshQueue({ PollingWaitSeconds: 1 });
    const started = Date.now();
    await rejectsWith(client.receiveMessage(q), 'MessageNotExist', 404);
    assert.ok(Date.now() - started >= 950);
  });

  test('visibility timeout: the message reappears with DequeueCount 2, and the old receipt handle is dead', async () => {
    const q = await freshQueue();
    await client.sendMessage(q, { MessageBody: 'retry me' });
    const first = (await client.receiveMessage(q)).body;
    await rejectsWith(client.receiveMessage(q), 'MessageNotExist', 404);
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 1, delayed: 0 });

    const started = Date.now();
    const second = (await client.receiveMessage(q, 3)).body; // the long poll wakes when it reappears
    assert.ok(Date.now() - started < 2000);
    assert.equal(second.MessageId, first.MessageId);
    assert.equal(second.DequeueCount, '2');
    assert.equal(second.FirstDequeueTime, first.FirstDequeueTime);
    assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);

    await rejectsWith(client.deleteMessage(q, first.ReceiptHandle), 'MessageNotExist', 404);
    assert.equal((await client.deleteMessage(q, second.ReceiptHandle)).code, 204);
    await rejectsWith(client.deleteMessage(q, second.ReceiptHandle), 'MessageNotExist', 404);
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 0, delayed: 0 });
  });

  test('a handle that is not a receipt handle is ReceiptHandleError 400', async () => {
    const q = await freshQueue();
    await rejectsWith(client.deleteMessage(q, 'not-a-handle'), 'ReceiptHandleError', 400);
    await rejectsWith(client.changeMessageVisibility(q, 'not-a-handle', 5), 'ReceiptHandleError', 400);
  });

  test('ChangeMessageVisibility returns a new handle and NextVisibleTime; the old handle expires', async () => {
    const q = await freshQueue();
    await client.sendMessage(q, { MessageBody: 'keep me' });
    const m = (await client.receiveMessage(q)).body;
    const before = Date.now();
    const changed = await client.changeMessageVisibility(q, m.ReceiptHandle, 10);
    assert.equal(changed.code, 200);
    assert.notEqual(changed.body.ReceiptHandle, m.ReceiptHandle);
    assert.ok(Math.abs(Number(changed.body.NextVisibleTime) - (before + 10_000)) < 1000);
    await sleep(1100); // past the queue's 1 s timeout: still invisible
    await rejectsWith(client.receiveMessage(q), 'MessageNotExist', 404);
    await rejectsWith(client.deleteMessage(q, m.ReceiptHandle), 'MessageNotExist', 404);
    await rejectsWith(client.changeMessageVisibility(q, changed.body.ReceiptHandle, 0), 'InvalidArgument', 400);
    assert.equal((await client.deleteMessage(q, changed.body.ReceiptHandle)).code, 204);
  });

  test('DelaySeconds keeps a message Delayed, then it becomes receivable', async () => {
    const q = await freshQueue();
    await client.sendMessage(q, { MessageBody: 'later', DelaySeconds: 1 });
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 0, delayed: 1 });
    await rejectsWith(client.receiveMessage(q), 'MessageNotExist', 404);
    const { body } = await client.receiveMessage(q, 3);
    assert.equal(body.MessageBody, 'later');
    assert.equal(body.DequeueCount, '1');
  });

  test('higher priority (lower number) is received first, then oldest first', async () => {
    const q = await freshQueue();
    await client.sendMessage(q, { MessageBody: 'low', Priority: 16 });
    await client.sendMessage(q, { MessageBody: 'normal-1' });
    await client.sendMessage(q, { MessageBody: 'high', Priority: 1 });
    await client.sendMessage(q, { MessageBody: 'normal-2' });
    const { body } = await client.batchReceiveMessage(q, 16);
    assert.deepEqual(body.map((m) => m.MessageBody), ['high', 'normal-1', 'normal-2', 'low']);
  });

  test('PeekMessage shows a message without receiving it', async () => {
    const q = await freshQueue();
    await client.sendMessage(q, { MessageBody: 'look' });
    const peeked = await client.peekMessage(q);
    assert.equal(peeked.body.MessageBody, 'look');
    assert.equal(peeked.body.DequeueCount, '0');
    assert.equal((peeked.body as Record<string, string>).ReceiptHandle, undefined);
    assert.equal((await client.batchPeekMessage(q, 5)).body.length, 1);
    assert.equal((await client.receiveMessage(q)).body.DequeueCount, '1');
  });
});

describe('batch operations', () => {
  test('BatchSendMessage, BatchReceiveMessage (numOfMessages) and BatchDeleteMessage', async () => {
    const q = await freshQueue();
    const sent = await client.batchSendMessage(q, [{ MessageBody: 'm1' }, { MessageBody: 'm2' }, { MessageBody: 'm3', Priority: 1 }]);
    assert.equal(sent.code, 201);
    assert.equal(sent.body.length, 3);
    assert.equal(sent.body[0]!.MessageBodyMD5, createHash('md5').update('m1').digest('hex').toUpperCase());

    const firstTwo = await client.batchReceiveMessage(q, 2);
    assert.deepEqual(firstTwo.body.map((m) => m.MessageBody), ['m3', 'm1']);
    const rest = await client.batchReceiveMessage(q, 16, 1);
    assert.deepEqual(rest.body.map((m) => m.MessageBody), ['m2']);

    const deleted = await client.batchDeleteMessage(q, [...firstTwo.body, ...rest.body].map((m) => m.ReceiptHandle));
    assert.equal(deleted.code, 204);
    assert.equal(deleted.body, undefined);
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 0, delayed: 0 });
  });

  test('BatchDeleteMessage reports each failed handle with 404 and deletes the rest', async () => {
    const q = await freshQueue();
    await client.batchSendMessage(q, [{ MessageBody: 'x' }, { MessageBody: 'y' }]);
    const [x, y] = (await client.batchReceiveMessage(q, 2)).body;
    await client.deleteMessage(q, y!.ReceiptHandle);
    const result = await client.batchDeleteMessage(q, [x!.ReceiptHandle, y!.ReceiptHandle, 'garbage']);
    assert.equal(result.code, 404);
    assert.deepEqual(result.body, [
      { ErrorCode: 'MessageNotExist', ErrorMessage: 'Message not exist.', ReceiptHandle: y!.ReceiptHandle },
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: 'garbage' },
    ]);
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 0, delayed: 0 });
  });

  test('batch limits: 16 messages, 64 KB per send, numOfMessages 1–16', async () => {
    const q = await freshQueue();
    const seventeen = Array.from({ length: 17 }, (_, i) => ({ MessageBody: `m${i}` }));
    await rejectsWith(client.batchSendMessage(q, seventeen), 'InvalidArgument', 400);
    const big = Array.from({ length: 2 }, () => ({ MessageBody: 'x'.repeat(40_000) }));
    await rejectsWith(client.batchSendMessage(q, big), 'InvalidArgument', 400);
    await rejectsWith(client.batchReceiveMessage(q, 17), 'InvalidArgument', 400);
    await rejectsWith(client.batchReceiveMessage(q, 0), 'InvalidArgument', 400);
    assert.deepEqual(mns.queueStats(q), { visible: 0, inflight: 0, delayed: 0 }, 'a refused batch sends nothing');
  });
});

describe('protocol and auth', () => {
  test('errors are MNS error documents with the request id header', async () => {
    const res = await rawRequest('GET', '/queues/does-not-exist');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
    assert.equal(res.headers.get('x-mns-version'), '2015-06-06');
    const requestId = res.headers.get('x-mns-request-id');
    assert.match(requestId ?? '', /^[0-9A-F]{24}$/);
    assert.equal(
      res.text,
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<Error xmlns="http://mns.aliyuncs.com/doc/v1/"><Code>QueueNotExist</Code>' +
        '<Message>The queue name you provided is not exist.</Message>' +
        `<RequestId>${requestId}</RequestId><HostId>${mns.url}</HostId></Error>`,
    );
  });

  test('a wrong secret is SignatureDoesNotMatch 403, through the SDK and on the wire', async () => {
    const wrong = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: 'not-the-secret' });
    await rejectsWith(wrong.listQueue(), 'SignatureDoesNotMatch', 403);
    const res = await rawRequest('GET', '/queues', { secret: 'not-the-secret' });
    assert.equal(res.status, 403);
    assert.match(res.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  test('an unknown key id is InvalidAccessKeyId 403; no Authorization is 400; a stale Date is TimeExpired', async () => {
    const stranger = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: 'LTAI-stranger', accessKeySecret: mns.accessKeySecret });
    await rejectsWith(stranger.listQueue(), 'InvalidAccessKeyId', 403);
    const unsigned = await rawRequest('GET', '/queues', { unsigned: true });
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.text, /<Code>MissingAuthorizationHeader<\/Code>/);
    const stale = await rawRequest('GET', '/queues', { date: new Date(Date.now() - 20 * 60 * 1000).toUTCString() });
    assert.equal(stale.status, 408);
    assert.match(stale.text, /<Code>TimeExpired<\/Code>/);
  });

  test('the signature covers the query: a tampered receipt handle is refused', async () => {
    const q = await freshQueue();
    const date = new Date().toUTCString();
    const headers: Record<string, string> = { date, 'x-mns-version': '2015-06-06' };
    const signature = mnsSignature(mns.accessKeySecret, stringToSign('DELETE', headers, `/queues/${q}/messages?ReceiptHandle=aaa`));
    const res = await fetch(`${mns.url}/queues/${q}/messages?ReceiptHandle=bbb`, {
      method: 'DELETE',
      headers: { ...headers, authorization: `MNS ${mns.accessKeyId}:${signature}` },
    });
    assert.equal(res.status, 403);
  });

  test('injected faults answer with the given status and code, then clear', async () => {
    const q = await freshQueue();
    mns.faults.inject({ operation: 'SendMessage', status: 503, code: 'ServiceUnavailable' });
    await rejectsWith(client.sendMessage(q, { MessageBody: 'x' }), 'ServiceUnavailable', 503);
    assert.equal((await client.sendMessage(q, { MessageBody: 'x' })).code, 201);
  });

  test('deleting a queue ends a long poll on it', async () => {
    const q = await freshQueue();
    const started = Date.now();
    const receiving = assert.rejects(client.receiveMessage(q, 10));
    await sleep(100);
    await client.deleteQueue(q);
    await receiving;
    assert.ok(Date.now() - started < 3000);
  });
});
