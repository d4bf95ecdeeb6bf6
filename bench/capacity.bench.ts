/**
 * `npm run bench -- capacity`: runs jobs of 1 KiB, 1 MiB and 100 MiB through the local
 * stack as deployed (MNS queue → EventBridge-style trigger → uploader → OSS → callback on
 * the custom runtime → Tablestore) and counts, from the emulators' own counters, what one
 * job costs each service; then prices a million jobs and loads the limits at 10,000 jobs
 * a second (bench/capacity-model.ts, prices and quotas in bench/prices.ts). The 1 KiB
 * jobs run a second time with the callback on the built-in runtime, to compare what FC
 * bills for the two. The tables go into docs/capacity.md between its generated markers.
 *
 * References from the same run: bare ali-oss puts of the same bytes, counted the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import OSS from 'ali-oss';
import { startLocalStack, type LocalStack } from '../local/stack';
import { startMnsTrigger, type MnsTrigger } from '../local/trigger/index';
import { buildBenchBundles } from './bundles';
import { callbackFcCostPerMillion, costPerMillion, type JobCounts } from './capacity-model';
import { capacityMarkdown, GENERATED_END, GENERATED_START, type CapacityRun } from './capacity-report';
import { goal, type BenchRow } from './measure';
import { plural } from '../lib/plural';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Case {
  label: string;
  bytes: number;
  jobs: number;
  inline: boolean;
}

const CASES: Case[] = [
  { label: '1 KiB', bytes: KiB, jobs: 160, inline: true },
  { label: '1 MiB', bytes: MiB, jobs: 40, inline: false },
  { label: '100 MiB', bytes: 100 * MiB, jobs: 3, inline: false },
];
/** Jobs of the same case with the callback on the built-in runtime. */
const BUILTIN_CASE = CASES[0]!;
const WAIT_LIMIT_MS = 300_000;

/** OSS operations billed as PUT-type and GET-type requests (the OSS request-fee page lists them). */
const OSS_PUT = new Set(['PutObject', 'InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'DeleteObject', 'PutBucket']);

function ossSplit(counts: Record<string, number>): { put: number; get: number } {
  let put = 0;
  let get = 0;
  for (const [op, n] of Object.entries(counts)) {
    if (OSS_PUT.has(op)) put += n;
    else get += n;
  }
  return { put, get };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The queue's trigger as s.yaml configures it: up to 10 messages or 3 s per invocation,
 * one CloudEvent per job. It changes no message's visibility (the queue's own timeout
 * applies): what EventBridge itself asks of MNS is not documented, so we count only what
 * the trigger must do — receive and delete.
 */
function deployedTrigger(stack: LocalStack): MnsTrigger {
  return startMnsTrigger({
    mns: { endpoint: stack.mns.url, accountId: stack.mns.accountId, region: stack.mns.region, accessKeyId: stack.oss.accessKeyId, accessKeySecret: stack.oss.accessKeySecret },
    queue: stack.queue,
    deadLetterQueue: stack.deadLetterQueue,
    functionName: 'uploader',
    triggerName: 'jobs-queue',
    base64Decode: false,
    batchSize: 10,
    batchWindowMs: 3000,
    maxDeliveries: 5,
    concurrency: 4,
    invoke: async (events) => {
      const result = await stack.fc.invoke('uploader', Buffer.from(JSON.stringify(events)));
      if (!result.ok) throw new Error(`uploader invocation failed: ${result.error?.errorMessage ?? result.failure ?? 'unknown error'}`);
    },
  });
}

/** Runs `c` through the stack's queue and returns what one job cost each service. */
async function runCase(stack: LocalStack, trigger: MnsTrigger, c: Case, tag: string): Promise<{ counts: JobCounts; raw: CapacityRun['raw'] }> {
  stack.oss.resetRequestCounts();
  stack.tablestore.resetRequestCounts();
  stack.mns.resetRequestCounts();
  const fcBefore = stack.fc.stats().functions;
  const trigBefore = trigger.stats();
  const payload = c.inline ? Buffer.alloc(c.bytes, 7).toString('base64') : undefined;
  const ids = Array.from({ length: c.jobs }, (_, i) => `capacity-${tag}-${c.label.replace(/\s/g, '')}-${i}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const jobId = ids[next++]!;
        const source = payload !== undefined ? { base64: payload } : { url: stack.sources.generatedUrl(c.bytes) };
        // One SendMessage per job, Base64 of the job's JSON, as npm run submit sends.
        await stack.mnsClient.sendMessage(stack.queue, { MessageBody: Buffer.from(JSON.stringify({ jobId, source, target: { key: `capacity/${jobId}.bin` } })).toString('base64') });
      }
    }),
  );
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (trigger.stats().succeededMessages - trigBefore.succeededMessages < c.jobs) {
    if (Date.now() > deadline) throw new Error(`capacity ${c.label}: ${trigger.stats().succeededMessages - trigBefore.succeededMessages} of ${c.jobs} jobs done after ${WAIT_LIMIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Counters first: the checks below read the store too.
  const fc = stack.fc.stats().functions;
  const trig = trigger.stats();
  const oss = stack.oss.requestCounts();
  const ots = stack.tablestore.requestCounts();
  const cu = stack.tablestore.capacityUnits();
  const mns = stack.mns.requestCounts();
  const wrong: string[] = [];
  for (const id of ids) {
    const record = await stack.store.getRecord(id);
    if (record?.status !== 'uploaded' || record.deliveries !== 1) wrong.push(`${id}: ${record?.status ?? 'no record'}`);
  }
  if (wrong.length > 0) throw new Error(`capacity ${c.label}: ${plural(wrong.length, 'job')} did not end uploaded once, e.g. ${wrong.slice(0, 3).join('; ')}`);

  const n = c.jobs;
  const { put, get } = ossSplit(oss);
  // MNS throttling counts each message of a batch operation: per job one send, its receives
  // (redeliveries included) and deletes, and a visibility change where the trigger makes one.
  const messages = (mns.SendMessage ?? 0) + (trig.received - trigBefore.received) + (trig.succeededMessages - trigBefore.succeededMessages) + (mns.ChangeMessageVisibility ?? 0);
  const counts: JobCounts = {
    bytes: c.bytes,
    ossPut: put / n,
    ossGet: get / n,
    tablestoreReadCu: cu.read / n,
    tablestoreWriteCu: cu.write / n,
    tablestoreRequests: sum(ots) / n,
    mnsRequests: sum(mns) / n,
    mnsMessages: messages / n,
    events: (trig.received - trigBefore.received) / n,
    uploaderInvocations: (fc.uploader!.invocations - fcBefore.uploader!.invocations) / n,
    callbackInvocations: (fc.callback!.invocations - fcBefore.callback!.invocations) / n,
    uploaderActiveSeconds: (fc.uploader!.activeMs - fcBefore.uploader!.activeMs) / 1000 / n,
    callbackActiveSeconds: (fc.callback!.activeMs - fcBefore.callback!.activeMs) / 1000 / n,
  };
  return { counts, raw: { oss, tablestore: ots, tablestoreCu: cu, mns, callbackPeakInstances: fc.callback!.peakInstances } };
}

/** Bare ali-oss puts of the same bytes: what storing them costs with nothing else. */
async function bareCounts(stack: LocalStack, c: Case): Promise<JobCounts> {
  const client = new OSS({ endpoint: stack.oss.url, region: stack.oss.region, authorizationV4: true, bucket: stack.bucket, accessKeyId: stack.oss.accessKeyId, accessKeySecret: stack.oss.accessKeySecret, timeout: 600_000 });
  const puts = Math.min(c.jobs, c.bytes >= 10 * MiB ? 2 : c.jobs);
  const body = Buffer.alloc(c.bytes, 7);
  stack.oss.resetRequestCounts();
  for (let i = 0; i < puts; i++) await client.put(`capacity/bare-${c.label.replace(/\s/g, '')}-${i}.bin`, body);
  const { put, get } = ossSplit(stack.oss.requestCounts());
  const zero = { tablestoreReadCu: 0, tablestoreWriteCu: 0, tablestoreRequests: 0, mnsRequests: 0, mnsMessages: 0, events: 0, uploaderInvocations: 0, callbackInvocations: 0, uploaderActiveSeconds: 0, callbackActiveSeconds: 0 };
  return { bytes: c.bytes, ossPut: put / puts, ossGet: get / puts, ...zero };
}

const total = (c: JobCounts) => costPerMillion(c).reduce((s, l) => s + l.usd, 0);

/** Runs the model and returns its rows; writes the tables into docs/capacity.md. */
export async function benchCapacity(): Promise<BenchRow[]> {
  const bundles = await buildBenchBundles();
  const runs: CapacityRun[] = [];
  let builtin: JobCounts | undefined;
  try {
    for (const runtime of ['custom.debian10', 'nodejs20'] as const) {
      let stack: LocalStack | undefined;
      let trigger: MnsTrigger | undefined;
      try {
        stack = await startLocalStack({ bundlesDir: bundles.dir, build: false, trigger: false, callbackRuntime: runtime });
        trigger = deployedTrigger(stack);
        const cases = runtime === 'custom.debian10' ? CASES : [BUILTIN_CASE];
        for (const c of cases) {
          process.stderr.write(`  capacity: ${plural(c.jobs, `${c.label} job`)}, callback on ${runtime}\n`);
          const { counts, raw } = await runCase(stack, trigger, c, runtime === 'nodejs20' ? 'builtin' : 'custom');
          if (runtime === 'nodejs20') builtin = counts;
          else runs.push({ label: c.label, jobs: c.jobs, counts, bare: await bareCounts(stack, c), raw });
        }
      } finally {
        await trigger?.stop();
        await stack?.close();
      }
    }
  } finally {
    await bundles.remove();
  }

  const markdown = capacityMarkdown(runs, builtin!);
  const doc = new URL('../docs/capacity.md', import.meta.url);
  const text = readFileSync(doc, 'utf8');
  const start = text.indexOf(GENERATED_START);
  const end = text.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error(`docs/capacity.md has no ${GENERATED_START} … ${GENERATED_END} block to fill`);
  writeFileSync(doc, `${text.slice(0, start + GENERATED_START.length)}\n${markdown}\n${text.slice(end)}`);
  process.stderr.write('  capacity: docs/capacity.md updated\n');

  const rows: BenchRow[] = runs.map((run) => {
    const ours = total(run.counts);
    const bare = total(run.bare);
    return { name: `cost per million ${run.label} jobs, all services (USD list prices; † stand-ins) vs bare puts`, value: ours, unit: 'USD', reference: bare, ratio: ours / bare };
  });
  const fcCustom = callbackFcCostPerMillion(runs[0]!.counts);
  const fcBuiltin = callbackFcCostPerMillion(builtin!);
  rows.push({
    name: 'FC cost of the callback per million 1 KiB jobs: custom runtime vs built-in',
    value: fcCustom,
    unit: 'USD',
    reference: fcBuiltin,
    ratio: fcCustom / fcBuiltin,
    ...goal('aim', fcCustom / fcBuiltin, 1, { atMost: true }),
  });
  return rows;
}
