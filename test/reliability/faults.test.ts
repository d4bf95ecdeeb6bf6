/**
 * More than 1000 jobs through the whole local pipeline (MNS queue → trigger → uploader
 * bundle → OSS emulator → callback bundle → Tablestore emulator) under injected faults,
 * in phases so each fault's acceptable outcome can be stated:
 *
 * | phase | fault | final status |
 * |---|---|---|
 * | oss-503 | PutObject 503 bursts | uploaded |
 * | multipart | UploadPart failing past the retries (the batch fails and comes again), CompleteMultipartUpload and PutObject 5xx bursts | uploaded |
 * | tablestore-503 | bursts of 503 on every Tablestore operation | uploaded or stored_unconfirmed |
 * | slow-writes | UpdateRow (the callback's record write, and the uploader's claims and counts) slower than OSS's callback timeout (CallbackFailed while the write is still running) | uploaded or stored_unconfirmed |
 * | callback-down | the callback endpoint drops connections for a while | stored_unconfirmed if every callback of the job was dropped, else uploaded |
 * | duplicates | jobs sent twice, shuffled, and jobs of the first phase sent again | uploaded, and the old ones never stored again |
 * | mixed | all of the above at once | uploaded or stored_unconfirmed |
 *
 * Deliberately invalid jobs end `failed`; messages without a usable job id end `failed`
 * under `invalid-<message id>`, and none is dead-lettered. At the end: exactly one row per
 * job and per such message and no other row (read with GetRange), every object present
 * with the right size, no store request for a job that was already `uploaded` when its
 * delivery began, and no two deliveries of a job storing it at the same time (the lease).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import TableStore from 'tablestore';
import { invalidIdForMessage } from '../../lib/jobs/invalid-id';
import type { JobRecord, RecordStatus } from '../../lib/records/record';
import type { TriggerEvent } from '../../local/trigger/index';
import { startReliabilityStack, tally, waitFor, type ReliabilityStack } from './harness';
import { startCallbackGate, startRecordingProxy, type CallbackGate, type RecordingProxy } from './proxies';

const KiB = 1024;
const PART_SIZE = 100 * KiB;
const MULTIPART_THRESHOLD = 200 * KiB;
/** OSS answers CallbackFailed when the callback takes longer than this. */
const CALLBACK_TIMEOUT_MS = 1000;
/** Store operations: a request of one of these for an object means "store it (again)". */
const STORE_STARTS = new Set(['PutObject', 'InitiateMultipartUpload']);
const STORE_ENDS = new Set(['PutObject', 'CompleteMultipartUpload']);

interface JobSpec {
  jobId: string;
  phase: string;
  key: string;
  /** The MNS message body (Base64 of the job's JSON, as scripts/start.ts sends it). */
  message: string;
  valid: boolean;
  size: number;
  multipart: boolean;
}

/** A delivery of a job: from the trigger handing its batch over to the batch's end. */
interface Window {
  start: number;
  end: number;
}

let rs: ReliabilityStack;
let oss: RecordingProxy;
let gate: CallbackGate;
let tsClient: TableStore.Client;

const jobs = new Map<string, JobSpec>();
const jobByKey = new Map<string, string>();
const sends = new Map<string, number>();
const jobOfMessage = new Map<string, string>();
const windows = new Map<string, Window[]>();
const openBatches = new Map<string, Window[][]>();
const expectations = new Map<string, (record: JobRecord) => readonly RecordStatus[]>();
let messagesSent = 0;
let unrecordableSent = 0;
/** Record ids of the messages without a usable job id: `invalid-<message id>`. */
const invalidIds: string[] = [];
let deadLettered = 0;
const triggerErrors: Record<string, number> = {};

function onTriggerEvent(event: TriggerEvent): void {
  const now = performance.now();
  if (event.type === 'delivered') {
    const batch = event.messageIds.map((id) => {
      const w: Window = { start: now, end: Number.POSITIVE_INFINITY };
      const jobId = jobOfMessage.get(id);
      if (jobId !== undefined) windows.set(jobId, [...(windows.get(jobId) ?? []), w]);
      return w;
    });
    const key = event.messageIds.join(',');
    openBatches.set(key, [...(openBatches.get(key) ?? []), batch]);
  } else if (event.type === 'succeeded' || event.type === 'failed') {
    const pending = openBatches.get(event.messageIds.join(','));
    const batch = pending?.shift();
    for (const w of batch ?? []) w.end = now;
  } else if (event.type === 'dead-lettered' || event.type === 'discarded') {
    deadLettered += 1;
  } else if (event.type === 'error') {
    // Expected under faults: a batch running past its visibility timeout loses its
    // receipt handles, so its delete fails and the message comes once more.
    triggerErrors[event.stage] = (triggerErrors[event.stage] ?? 0) + 1;
  }
}

// ---------------------------------------------------------------------------------------
// Jobs.

function spec(phase: string, jobId: string, key: string, job: unknown, fields: { valid: boolean; size: number; multipart: boolean }): JobSpec {
  const s: JobSpec = { jobId, phase, key, message: Buffer.from(JSON.stringify(job), 'utf8').toString('base64'), ...fields };
  jobs.set(jobId, s);
  jobByKey.set(key, jobId);
  return s;
}

function textJob(phase: string, i: number): JobSpec {
  const jobId = `rel-${phase}-${i}`;
  const key = `rel/${phase}/${jobId}.txt`;
  const text = `reliability run, job ${jobId}. `.repeat(1 + (i % 7));
  return spec(phase, jobId, key, { jobId, source: { text }, target: { key }, contentType: 'text/plain', vars: { phase } }, { valid: true, size: Buffer.byteLength(text), multipart: false });
}

function multipartJob(phase: string, i: number): JobSpec {
  const jobId = `rel-${phase}-mp-${i}`;
  const key = `rel/${phase}/${jobId}.bin`;
  const size = 2 * PART_SIZE + 10 * KiB + i * 7;
  return spec(phase, jobId, key, { jobId, source: { url: rs.stack.sources.generatedUrl(size) }, target: { key } }, { valid: true, size, multipart: true });
}

/** Jobs that must end `failed`: each has a job id, so the failure is recorded. */
function invalidJobs(phase: string): JobSpec[] {
  const id = (n: string) => `rel-${phase}-invalid-${n}`;
  const key = (n: string) => `rel/${phase}/${id(n)}.txt`;
  return [
    spec(phase, id('no-target'), key('no-target'), { jobId: id('no-target'), source: { text: 'x' } }, { valid: false, size: 0, multipart: false }),
    spec(phase, id('bad-bucket'), key('bad-bucket'), { jobId: id('bad-bucket'), source: { text: 'x' }, target: { bucket: 'Not_A_Bucket', key: key('bad-bucket') } }, { valid: false, size: 0, multipart: false }),
    spec(phase, id('two-sources'), key('two-sources'), { jobId: id('two-sources'), source: { text: 'x', base64: 'eA==' }, target: { key: key('two-sources') } }, { valid: false, size: 0, multipart: false }),
    spec(phase, id('source-404'), key('source-404'), { jobId: id('source-404'), source: { url: rs.stack.sources.fileUrl('no-such-file.txt') }, target: { key: key('source-404') } }, { valid: false, size: 0, multipart: false }),
  ];
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  // A fixed permutation per seed (xorshift), so a failing run can be replayed.
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function send(messages: (JobSpec | string)[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 16) {
    const chunk = messages.slice(i, i + 16);
    const { body } = await rs.stack.mnsClient.batchSendMessage(
      rs.stack.queue,
      chunk.map((m) => ({ MessageBody: typeof m === 'string' ? m : m.message })),
    );
    body.forEach((sent, j) => {
      const m = chunk[j]!;
      if (typeof m === 'string') {
        unrecordableSent += 1;
        invalidIds.push(invalidIdForMessage(sent.MessageId));
        return;
      }
      jobOfMessage.set(sent.MessageId, m.jobId);
      sends.set(m.jobId, (sends.get(m.jobId) ?? 0) + 1);
    });
    messagesSent += chunk.length;
  }
}

// ---------------------------------------------------------------------------------------
// Phases.

/** Calls `act` now and then `times - 1` more times, `everyMs` apart; resolves after the last. */
function repeatedly(times: number, everyMs: number, act: () => void): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const tick = () => {
      act();
      n += 1;
      if (n >= times) resolve();
      else setTimeout(tick, everyMs);
    };
    tick();
  });
}

/**
 * Waits until nothing moves: no message in the queue (visible, in flight or delayed), no
 * invocation running or waiting, no callback being forwarded. Then the faults are
 * cleared and every job of the phase must have its record, its deliveries counted.
 */
async function settle(phase: string, phaseJobs: JobSpec[]): Promise<void> {
  const { stack } = rs;
  await waitFor(
    `${phase}: the pipeline to go idle`,
    async () => {
      if (stack.trigger!.stats().inflight > 0 || gate.inflight() > 0) return undefined;
      const fns = stack.fc.stats().functions;
      if (fns.uploader!.busy + fns.uploader!.waiting + fns.callback!.busy + fns.callback!.waiting > 0) return undefined;
      const { body } = await stack.mnsClient.getQueueAttributes(stack.queue);
      if (Number(body.ActiveMessages) + Number(body.InactiveMessages) + Number(body.DelayMessages) > 0) return undefined;
      return true;
    },
    150_000,
    150,
  );
  stack.oss.faults.clear();
  stack.tablestore.faults.clear();
  gate.down = false;
  const missing = await waitFor(
    `${phase}: every job recorded`,
    async () => {
      const behind: string[] = [];
      for (const s of phaseJobs) {
        const record = await stack.store.getRecord(s.jobId);
        if (!record || record.deliveries < (sends.get(s.jobId) ?? 0)) behind.push(s.jobId);
      }
      return behind.length === 0 ? behind : undefined;
    },
    10_000,
    250,
  ).catch((error: Error) => error);
  assert.ok(Array.isArray(missing), `${phase}: ${String(missing)}`);
}

interface PhaseReport {
  phase: string;
  jobs: number;
  messages: number;
  seconds: number;
  note: string;
}
const phaseReports: PhaseReport[] = [];

async function runPhase(phase: string, phaseJobs: JobSpec[], messages: (JobSpec | string)[], faults: () => Promise<string>): Promise<void> {
  const started = performance.now();
  const sentBefore = messagesSent;
  const faulting = faults();
  await send(messages);
  const note = await faulting;
  await settle(phase, phaseJobs);
  phaseReports.push({ phase, jobs: phaseJobs.length, messages: messagesSent - sentBefore, seconds: (performance.now() - started) / 1000, note });
}

const oneOf = (...statuses: RecordStatus[]) => () => statuses;

before(async () => {
  oss = await startRecordingProxy();
  gate = await startCallbackGate();
  rs = await startReliabilityStack({
    callbackTimeoutMs: CALLBACK_TIMEOUT_MS,
    // 4 s of visibility: an invocation slowed by injected faults on a loaded CI machine must not
    // see its messages come back (and eat into maxDeliveries) before it finishes.
    trigger: { visibilityTimeoutSec: 4, maxDeliveries: 10, batchSize: 10, batchWindowMs: 100 },
    onTriggerEvent,
    uploaderEnv: {
      OSS_ENDPOINT: oss.url,
      CALLBACK_URL: `${gate.url}/oss/callback`,
      UPLOAD_RETRY_ATTEMPTS: '3',
      UPLOAD_RETRY_BASE_DELAY_MS: '10',
      UPLOAD_MULTIPART_THRESHOLD_BYTES: String(MULTIPART_THRESHOLD),
      UPLOAD_PART_SIZE_BYTES: String(PART_SIZE),
      OSS_TIMEOUT_MS: '15000',
      SOURCE_TIMEOUT_MS: '5000',
    },
  });
  oss.target = rs.stack.oss.url;
  gate.target = new URL(rs.stack.callbackUrl).origin;
  const env = rs.stack.endpoints;
  tsClient = new TableStore.Client({
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID!,
    secretAccessKey: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET!,
    endpoint: env.TABLESTORE_ENDPOINT!,
    instancename: env.TABLESTORE_INSTANCE!,
    maxRetries: 0,
  });
});

after(async () => {
  await rs?.close();
  await gate?.close();
  await oss?.close();
});

/** Every row of the results table, by GetRange over the whole key space. */
async function allRowJobIds(): Promise<string[]> {
  const ids: string[] = [];
  let start: unknown[] | null = [{ pk_hash: TableStore.INF_MIN }, { job_id: TableStore.INF_MIN }];
  while (start) {
    const page = (await tsClient.getRange({
      tableName: rs.stack.table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: [{ pk_hash: TableStore.INF_MAX }, { job_id: TableStore.INF_MAX }],
      limit: 1000,
    } as unknown as TableStore.GetRangeParams)) as unknown as { rows: { primaryKey: { name: string; value: unknown }[] }[]; nextStartPrimaryKey: { name: string; value: unknown }[] | null };
    for (const row of page.rows) ids.push(String(row.primaryKey.find((k) => k.name === 'job_id')?.value));
    start = page.nextStartPrimaryKey ? page.nextStartPrimaryKey.map((k) => ({ [k.name]: k.value })) : null;
  }
  return ids;
}

async function inChunks<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

describe('faults: 1000+ jobs through the whole pipeline', () => {
  test('every job ends with exactly one record of the right status; nothing lost, nothing stored twice once uploaded', async () => {
    const { stack } = rs;
    const started = performance.now();
    const ossFaults = stack.oss.faults;
    const tsFaults = stack.tablestore.faults;

    // 1. OSS 503 bursts on PutObject: retried, or the batch comes again.
    const p1 = Array.from({ length: 200 }, (_, i) => textJob('oss-503', i));
    const p1Invalid = invalidJobs('oss-503');
    for (const s of p1) expectations.set(s.jobId, oneOf('uploaded'));
    await runPhase('oss-503', [...p1, ...p1Invalid], shuffled([...p1, ...p1Invalid, 'not a job at all'], 1), async () => {
      await repeatedly(8, 250, () => ossFaults.inject({ operation: 'PutObject', count: 12, status: 503, code: 'ServiceUnavailable' }));
      return '8 bursts of 12 PutObject 503';
    });

    // 2. The uploader failing mid-batch: every UploadPart fails until a batch has failed
    // and must come again; then 5xx bursts on CompleteMultipartUpload and PutObject.
    const p2 = [...Array.from({ length: 20 }, (_, i) => multipartJob('multipart', i)), ...Array.from({ length: 80 }, (_, i) => textJob('multipart', i))];
    for (const s of p2) expectations.set(s.jobId, oneOf('uploaded'));
    await runPhase('multipart', p2, shuffled(p2, 2), async () => {
      const failedBefore = stack.trigger!.stats().failedInvocations;
      ossFaults.inject({ operation: 'UploadPart', count: 1_000_000, status: 503, code: 'ServiceUnavailable' });
      await waitFor('a batch failed by UploadPart', () => (stack.trigger!.stats().failedInvocations > failedBefore ? true : undefined), 60_000);
      ossFaults.clear();
      await repeatedly(5, 300, () => {
        ossFaults.inject({ operation: 'CompleteMultipartUpload', count: 2, status: 503, code: 'ServiceUnavailable' });
        ossFaults.inject({ operation: 'PutObject', count: 4, status: 500, code: 'InternalError' });
      });
      return `UploadPart down until ${stack.trigger!.stats().failedInvocations - failedBefore} batch(es) failed; 5 bursts on Complete/Put`;
    });

    // 3. Tablestore 503 bursts on every operation (the callback's write, the uploader's reads and writes).
    const p3 = Array.from({ length: 150 }, (_, i) => textJob('tablestore-503', i));
    const p3Invalid = invalidJobs('tablestore-503');
    for (const s of p3) expectations.set(s.jobId, oneOf('uploaded', 'stored_unconfirmed'));
    await runPhase('tablestore-503', [...p3, ...p3Invalid], shuffled([...p3, ...p3Invalid], 3), async () => {
      await repeatedly(6, 300, () => {
        tsFaults.inject({ operation: '*', count: 10, status: 503, code: 'OTSServerBusy' });
        tsFaults.inject({ operation: '*', count: 5, status: 503, code: 'OTSServerUnavailable' });
      });
      return '6 bursts of 15 Tablestore 503';
    });

    // 4. Slow writes: the callback's record write (an UpdateRow) outlasts OSS's callback timeout.
    const p4 = Array.from({ length: 150 }, (_, i) => textJob('slow-writes', i));
    for (const s of p4) expectations.set(s.jobId, oneOf('uploaded', 'stored_unconfirmed'));
    const p4Start = oss.exchanges.length;
    await runPhase('slow-writes', p4, shuffled(p4, 4), async () => {
      await repeatedly(4, 300, () => tsFaults.inject({ operation: 'UpdateRow', count: 5, delayMs: CALLBACK_TIMEOUT_MS + 300 }));
      return `4 × 5 UpdateRow delayed ${CALLBACK_TIMEOUT_MS + 300} ms (callback timeout ${CALLBACK_TIMEOUT_MS} ms)`;
    });
    const p4CallbackFailed = oss.exchanges.slice(p4Start).filter((e) => STORE_ENDS.has(e.operation) && e.status === 203).length;
    assert.ok(p4CallbackFailed > 0, 'slow writes made no callback late: the fault had no effect');

    // 5. The callback endpoint is down for the first 40 callbacks.
    const p5 = Array.from({ length: 150 }, (_, i) => textJob('callback-down', i));
    const p5Invalid = invalidJobs('callback-down');
    const gateFrom = gate.events.length;
    for (const s of p5) {
      expectations.set(s.jobId, () => {
        const seen = gate.events.slice(gateFrom).filter((e) => e.jobId === s.jobId);
        // Dropped every time: nothing but the uploader could record it.
        return seen.length > 0 && seen.every((e) => !e.passed) ? ['stored_unconfirmed'] : ['uploaded'];
      });
    }
    await runPhase('callback-down', [...p5, ...p5Invalid], shuffled([...p5, ...p5Invalid], 5), async () => {
      gate.down = true;
      await waitFor('40 callbacks dropped', () => (gate.events.slice(gateFrom).filter((e) => !e.passed).length >= 40 ? true : undefined), 60_000, 20);
      gate.down = false;
      return `callbacks dropped: ${gate.events.slice(gateFrom).filter((e) => !e.passed).length}`;
    });

    // 6. Duplicates and re-ordering: 60 jobs sent twice, and 50 jobs of phase 1 sent again.
    const p6 = Array.from({ length: 150 }, (_, i) => textJob('duplicates', i));
    for (const s of p6) expectations.set(s.jobId, oneOf('uploaded'));
    const resent = p1.slice(0, 50);
    const p6Start = performance.now();
    await runPhase('duplicates', [...p6, ...resent], shuffled([...p6, ...p6.slice(0, 60), ...resent], 6), async () => 'no faults; 110 repeated messages');
    const restored = oss.exchanges.filter((e) => e.arrivedAt >= p6Start && e.key !== undefined && resent.some((s) => s.key === e.key) && STORE_STARTS.has(e.operation));
    assert.deepEqual(restored, [], 'jobs already uploaded were stored again');

    // 7. Everything at once.
    const p7 = [...Array.from({ length: 150 }, (_, i) => textJob('mixed', i)), ...Array.from({ length: 10 }, (_, i) => multipartJob('mixed', i))];
    const p7Invalid = invalidJobs('mixed');
    for (const s of p7) expectations.set(s.jobId, oneOf('uploaded', 'stored_unconfirmed'));
    const p7Gate = gate.events.length;
    await runPhase('mixed', [...p7, ...p7Invalid], shuffled([...p7, ...p7.slice(0, 30), ...p7Invalid, 'eyJub3QiOiJhIGpvYiJ9'], 7), async () => {
      gate.down = true;
      const gateUp = waitFor('15 callbacks dropped', () => (gate.events.slice(p7Gate).filter((e) => !e.passed).length >= 15 ? true : undefined), 60_000, 20).then(() => {
        gate.down = false;
      });
      await repeatedly(5, 300, () => {
        ossFaults.inject({ operation: 'PutObject', count: 6, status: 503, code: 'ServiceUnavailable' });
        ossFaults.inject({ operation: 'UploadPart', count: 8, status: 503, code: 'ServiceUnavailable' });
        tsFaults.inject({ operation: '*', count: 6, status: 503, code: 'OTSServerBusy' });
        tsFaults.inject({ operation: 'UpdateRow', count: 2, delayMs: CALLBACK_TIMEOUT_MS + 300 });
      });
      await gateUp;
      return 'OSS, Tablestore and slow-write bursts, callbacks dropped for a while';
    });
    for (const s of jobs.values()) if (!s.valid) expectations.set(s.jobId, oneOf('failed'));

    // ---- The verdict. -------------------------------------------------------------------
    const all = [...jobs.values()];
    const records = new Map<string, JobRecord | undefined>();
    await inChunks(all, 32, async (s) => records.set(s.jobId, await stack.store.getRecord(s.jobId)));

    const problems: string[] = [];
    for (const s of all) {
      const record = records.get(s.jobId);
      if (!record) {
        problems.push(`${s.jobId}: no record`);
        continue;
      }
      const allowed = expectations.get(s.jobId)!(record);
      if (!allowed.includes(record.status)) problems.push(`${s.jobId} (${s.phase}): ${record.status}, expected ${allowed.join(' or ')}${record.error ? ` (${record.error})` : ''}`);
      if (record.deliveries < (sends.get(s.jobId) ?? 0)) problems.push(`${s.jobId}: ${record.deliveries} deliveries counted, ${sends.get(s.jobId)} sent`);
      if (s.valid && record.size !== s.size) problems.push(`${s.jobId}: size ${String(record.size)}, expected ${s.size}`);
      if (record.status === 'stored_unconfirmed' && (record.recordedBy !== 'uploader' || !record.etag)) problems.push(`${s.jobId}: stored_unconfirmed without the uploader's HEAD-confirmed etag`);
    }

    // Every message without a usable job id ended failed under its message id.
    for (const id of invalidIds) {
      const record = await stack.store.getRecord(id);
      if (record?.status !== 'failed' || record.reason !== 'invalid_job_id' || record.deliveries < 1) problems.push(`${id}: ${JSON.stringify(record)}`);
    }

    // Exactly one row per job and per message without a job id, and no other row.
    const rowIds = await allRowJobIds();
    const rowCounts = tally(rowIds, (id) => id);
    const extra = rowIds.filter((id) => !jobs.has(id) && !invalidIds.includes(id));
    const doubled = Object.entries(rowCounts).filter(([, n]) => n > 1);
    const expectedRows = all.length + new Set(invalidIds).size;

    // Every stored object is in OSS with the size the job has.
    const stored = all.filter((s) => s.valid);
    const heads = await inChunks(stored, 16, async (s) => {
      try {
        const head = await stack.ossClient.head(s.key);
        return Number((head.res.headers as Record<string, string>)['content-length']) === s.size ? undefined : `${s.key}: wrong size in OSS`;
      } catch (error) {
        return `${s.key}: ${(error as Error).message}`;
      }
    });
    problems.push(...heads.filter((h): h is string => h !== undefined));

    // No object stored again for a job that was already uploaded when its delivery began:
    // after the first 200 for a key, a store request is only allowed from a delivery that
    // was handed over before that 200 (a concurrent duplicate) and is still running.
    let reuploads = 0;
    let concurrentDuplicates = 0;
    const firstConfirmed = new Map<string, number>();
    for (const e of oss.exchanges) {
      if (e.key !== undefined && STORE_ENDS.has(e.operation) && e.status === 200) firstConfirmed.set(e.key, Math.min(firstConfirmed.get(e.key) ?? Infinity, e.answeredAt));
    }
    for (const e of oss.exchanges) {
      if (e.key === undefined || !(STORE_STARTS.has(e.operation) || e.operation === 'CompleteMultipartUpload')) continue;
      const confirmedAt = firstConfirmed.get(e.key);
      if (confirmedAt === undefined || e.arrivedAt <= confirmedAt) continue;
      const jobId = jobByKey.get(e.key);
      const legit = (windows.get(jobId ?? '') ?? []).some((w) => w.start <= confirmedAt && w.start <= e.arrivedAt && w.end >= e.arrivedAt);
      if (legit) concurrentDuplicates += 1;
      else {
        reuploads += 1;
        problems.push(`${e.key}: ${e.operation} after the job was uploaded, from a delivery that began later`);
      }
    }

    const dlq = (await stack.mnsClient.getQueueAttributes(stack.deadLetterQueue)).body;
    const trigger = stack.trigger!.stats();
    const fns = stack.fc.stats().functions;
    const storeRequests = oss.exchanges.filter((e) => STORE_ENDS.has(e.operation));
    const byStatus = tally([...records.values()], (r) => r?.status ?? '(none)');
    for (const p of phaseReports) console.log(`  phase ${p.phase}: ${p.jobs} jobs, ${p.messages} messages, ${p.seconds.toFixed(1)} s — ${p.note}`);
    console.log(
      `faults: ${all.length} jobs (${stored.length} valid, ${all.length - stored.length} invalid) + ${unrecordableSent} messages without a job id (recorded as invalid-…), ${messagesSent} messages in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `records by status ${JSON.stringify(byStatus)}; rows ${rowIds.length}; ` +
        `OSS store requests ${storeRequests.length} (${storeRequests.filter((e) => e.status >= 500).length} answered 5xx and retried, ${storeRequests.filter((e) => e.status === 203).length} CallbackFailed), ` +
        `UploadPart 5xx ${oss.exchanges.filter((e) => e.operation === 'UploadPart' && e.status >= 500).length}; ` +
        `redeliveries ${trigger.received - messagesSent} (invocations ${trigger.invocations}, failed ${trigger.failedInvocations}); ` +
        `callbacks dropped ${gate.events.filter((e) => !e.passed).length}; concurrent duplicate stores ${concurrentDuplicates}, re-uploads of uploaded jobs ${reuploads}; ` +
        `dead-lettered ${deadLettered} (DLQ ${dlq.ActiveMessages}); trigger errors by stage ${JSON.stringify(triggerErrors)}; keys stored more than once ${Object.values(tally(storeRequests.filter((e) => e.status === 200 || e.status === 203), (e) => e.key ?? '')).filter((n) => n > 1).length}; ` +
        `crashes uploader ${fns.uploader!.crashes} callback ${fns.callback!.crashes}`,
    );

    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
    assert.deepEqual(extra, [], 'rows of no job');
    assert.deepEqual(doubled, [], 'jobs with more than one row');
    assert.equal(rowIds.length, expectedRows);
    assert.ok(stored.length >= 1000, `only ${stored.length} valid jobs`);
    assert.equal(reuploads, 0);
    assert.equal(concurrentDuplicates, 0, 'two deliveries of a job stored it at the same time: the lease did not hold');
    assert.equal(deadLettered, 0);
    assert.equal(Number(dlq.ActiveMessages), 0);
    assert.equal(fns.uploader!.crashes + fns.uploader!.timeouts + fns.callback!.crashes + fns.callback!.timeouts, 0);
    // The faults had teeth: batches failed and came again, callbacks failed.
    assert.ok(trigger.failedInvocations > 0 && trigger.received > messagesSent, 'no batch was ever delivered again');
    assert.ok(byStatus.stored_unconfirmed! > 0, 'no job ended stored_unconfirmed: the callback faults had no effect');
  });
});
