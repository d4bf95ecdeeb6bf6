// What our emulators hand a function, compared key by key with what FC hands one
// (test/conformance/fc-events/): the local MNS trigger's CloudEvents with FC's MNS queue
// trigger samples, and the local FC host's HTTP event with devsapp/fc3's sample. When an
// emulator drifts from the real shape, this fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import MNSClient from '@alicloud/mns';
import { startMnsEmulator, type MnsEmulator } from '../../local/mns/index';
import { startMnsTrigger, type MnsCloudEvent, type MnsTrigger } from '../../local/trigger/index';
import { startFcHost, type FcHost } from '../../local/fc-host/index';
import { HTTP_EVENT_SPEC, MNS_EVENT_SPEC, shapeDifferences } from './event-shape';

type Json = Record<string, unknown>;
const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`./fc-events/${name}`, import.meta.url)), 'utf8'));
const mnsEvent = fixture('mns-queue-trigger-event.json') as Json;
const mnsCaptured = fixture('mns-queue-trigger-captured.json') as Json;
const mnsBatch = fixture('mns-queue-trigger-batch.json') as Json[];
const httpEvent = fixture('http.json') as Json & { headers: Record<string, string>; rawPath: string; body: string };
const mnsReferences: [string, Json][] = [
  ['event mode (docs)', mnsEvent],
  ['captured log', mnsCaptured],
  ...mnsBatch.map((e, i): [string, Json] => [`event-streaming batch [${i}]`, e]),
];

describe('the specs agree with every reference', () => {
  test('each MNS sample is in the formats of MNS_EVENT_SPEC, and the samples share one key set', () => {
    assert.ok(Array.isArray(mnsBatch) && mnsBatch.length > 0, 'event-streaming mode delivers an array');
    for (const [name, reference] of mnsReferences) {
      assert.deepEqual(shapeDifferences(reference, reference, MNS_EVENT_SPEC), [], name);
      assert.deepEqual(shapeDifferences(reference, mnsEvent, MNS_EVENT_SPEC), [], `${name} vs event mode`);
      assert.ok(Date.parse(reference.time as string) <= Date.parse(reference.aliyunpublishtime as string), `${name}: enqueued, then published`);
    }
  });

  test('the HTTP sample is in the formats of HTTP_EVENT_SPEC', () => {
    assert.deepEqual(shapeDifferences(httpEvent, httpEvent, HTTP_EVENT_SPEC), []);
  });
});

describe('the comparison catches drift', () => {
  test('a missing or extra key, another type, another format', () => {
    const { aliyunregionid: _region, ...missing } = mnsEvent;
    assert.match(shapeDifferences(missing, mnsEvent, MNS_EVENT_SPEC).join('\n'), /aliyunregionid: missing/);
    assert.match(shapeDifferences({ ...mnsEvent, extra: 'x' }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /extra: extra/);
    assert.match(shapeDifferences({ ...mnsEvent, time: Date.now() }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /time: number where the reference has string/);
    assert.match(shapeDifferences({ ...mnsEvent, time: '2026-12-02 10:00:00' }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /actual time/);
    assert.match(shapeDifferences({ ...mnsEvent, source: 'acs:mns' }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /actual source/);
    assert.match(shapeDifferences({ ...mnsEvent, subject: 'acs:mns:cn-hangzhou:1:queue/x' }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /actual subject/);
    const data = mnsEvent.data as Json;
    assert.match(shapeDifferences({ ...mnsEvent, data: { ...data, messageId: 7 } }, mnsEvent, MNS_EVENT_SPEC).join('\n'), /data.messageId: number/);
    assert.match(shapeDifferences({ ...httpEvent, headers: { 'x-oss-lower': 'v' } }, httpEvent, HTTP_EVENT_SPEC).join('\n'), /key "x-oss-lower"/);
    assert.match(shapeDifferences({ ...httpEvent, isBase64Encoded: 'false' }, httpEvent, HTTP_EVENT_SPEC).join('\n'), /isBase64Encoded: string/);
  });

  test('a spec must name a format for every string field, and only for fields the reference has', () => {
    const { aliyunpublishaddr: _addr, ...partial } = MNS_EVENT_SPEC;
    assert.match(shapeDifferences(mnsEvent, mnsEvent, partial).join('\n'), /aliyunpublishaddr: no format/);
    assert.match(shapeDifferences(mnsEvent, mnsEvent, { ...MNS_EVENT_SPEC, 'data.messageAttributes': /x/ }).join('\n'), /data.messageAttributes: in the spec but not in the reference/);
  });
});

describe('local MNS trigger', () => {
  let mns: MnsEmulator;
  let trigger: MnsTrigger;
  const delivered: unknown[] = [];

  before(async () => {
    mns = await startMnsEmulator({ region: 'cn-hangzhou' });
    const client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
    await client.createQueue('upload-jobs');
    const job = { jobId: 'shape-1', source: { text: 'x' }, target: { key: 'shape/1.txt' } };
    await client.batchSendMessage('upload-jobs', [
      { MessageBody: Buffer.from(JSON.stringify(job)).toString('base64') },
      { MessageBody: Buffer.from(JSON.stringify({ ...job, jobId: 'shape-2' })).toString('base64') },
    ]);
    trigger = startMnsTrigger({
      mns: { endpoint: mns.url, accountId: mns.accountId, region: mns.region, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret },
      queue: 'upload-jobs',
      functionName: 'uploader',
      triggerName: 'jobs-queue',
      batchSize: 2,
      batchWindowMs: 2000,
      // What the function receives: the invocation payload, parsed.
      invoke: async (events: MnsCloudEvent[]) => {
        delivered.push(JSON.parse(JSON.stringify(events)));
      },
    });
    const deadline = Date.now() + 10_000;
    while (delivered.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  after(async () => {
    await trigger?.stop();
    await mns?.close();
  });

  test('an invocation is a JSON array, as in event-streaming mode', () => {
    assert.equal(delivered.length, 1, 'one batch delivered');
    assert.ok(Array.isArray(delivered[0]));
    assert.equal((delivered[0] as unknown[]).length, 2);
  });

  test('each event has exactly the keys, types and formats of every FC sample', () => {
    for (const event of delivered[0] as Json[]) {
      for (const [name, reference] of mnsReferences) {
        assert.deepEqual(shapeDifferences(event, reference, MNS_EVENT_SPEC), [], `local trigger vs ${name}`);
      }
      assert.deepEqual(Object.keys(event), Object.keys(mnsEvent), 'and in the same order');
      assert.ok(Date.parse(event.time as string) <= Date.parse(event.aliyunpublishtime as string));
      assert.equal(event.source, 'MNS-uploader-jobs-queue');
    }
  });
});

describe('local FC host, HTTP trigger', () => {
  let host: FcHost;

  before(async () => {
    host = await startFcHost({
      accountId: '1111222233334444',
      functions: [{ name: 'http', bundle: fileURLToPath(new URL('../support/fixtures/handlers.cjs', import.meta.url)), handler: 'handlers.http' }],
    });
  });

  after(async () => {
    await host?.close();
  });

  /** Sends the sample's own request (path, headers, body) to the host's HTTP trigger; the handler echoes its event. */
  function replaySample(): Promise<Json & { headers: Record<string, string> }> {
    const body = Buffer.from(httpEvent.body);
    const headers = { ...httpEvent.headers, 'Content-Length': String(body.length) };
    return new Promise((resolve, reject) => {
      const req = request(`${host.httpTriggerUrl('http')}${httpEvent.rawPath}`, { method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json & { headers: Record<string, string> });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('the event has exactly the keys, types and formats of the fc3 sample', async () => {
    const event = await replaySample();
    assert.deepEqual(shapeDifferences(event, httpEvent, HTTP_EVENT_SPEC), []);
  });

  test('the same request headers come through as the sample shows them', async () => {
    const event = await replaySample();
    assert.deepEqual(event.headers, httpEvent.headers);
    assert.equal(event.rawPath, httpEvent.rawPath);
    assert.deepEqual(event.queryParameters, httpEvent.queryParameters);
  });
});
