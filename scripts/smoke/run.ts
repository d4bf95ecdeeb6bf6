/**
 * One smoke run against a deployment (or the local stack): send the probes through the
 * queue and by async invocation with submit's senders, wait for their records in the
 * store, look each object up in OSS, then remove the probe objects.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { createOssClient, type OssClientConfig } from '../../lib/uploader/oss-client';
import type { JobRecord } from '../../lib/records/record';
import { ResultsReader } from '../../tools/results-reader';
import { StoreError } from '../../lib/store/errors';
import { sendAll } from '../submit/send-all';
import { createSender, type Sender } from '../submit/senders';
import type { SmokeArgs } from './args';
import type { Probe } from './probes';
import type { SmokeSettings } from './settings';

/** A probe after the run: its record, and what OSS said about its object. */
export interface ProbeResult extends Probe {
  record?: JobRecord;
  /** Local clock, epoch ms, when the final record was first seen. */
  seenAt?: number;
  /** The object's Last-Modified (OSS's clock, whole seconds), epoch ms. */
  storedAt?: number;
  removed: boolean;
  cleanupError?: string;
}

export interface SmokeOutcome {
  probes: ProbeResult[];
  /** Every probe's record reached `uploaded`. */
  allUploaded: boolean;
  /** Every object that was to be removed was removed. */
  cleanedUp: boolean;
}

/** Where a run reports as it goes (the CLI writes to stderr). */
export interface SmokeIo {
  log(line: string): void;
  /** Waiting: how many probes have a final record. */
  progress(done: number, total: number, elapsedMs: number): void;
  /** The waiting is over (ends an in-place progress line). */
  progressDone(): void;
  sleep?(ms: number): Promise<void>;
}

const POLL_MS = 1000;

/** An error's message on one line (the SDKs' messages carry URLs and codes, no secrets). */
function describe(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
}

/** `uploaded` is the goal; `failed` is final too (the uploader records it only for permanent errors). */
function isFinal(record: JobRecord | undefined): boolean {
  return record?.status === 'uploaded' || record?.status === 'failed';
}

/**
 * Runs the probes. Never throws for what the services answer: each probe carries its
 * own errors, and the outcome says whether the deployment passed.
 *
 * @example const outcome = await runSmoke(settings, args, makeProbes(runId, 3), io);
 */
export async function runSmoke(settings: SmokeSettings, args: SmokeArgs, probes: Probe[], io: SmokeIo): Promise<SmokeOutcome> {
  const sleep = io.sleep ?? wait;
  const senders: Record<Probe['via'], Sender> = { queue: createSender(settings.queue, settings.credentials), invoke: createSender(settings.invoke, settings.credentials) };
  const results: ProbeResult[] = probes.map((p) => ({ ...p, removed: false }));

  // submit's sendAll: transient failures are retried with back-off, and a fatal one (wrong
  // key, missing queue or function) stops the rest of that way at once.
  for (const via of ['queue', 'invoke'] as const) {
    const mine = results.filter((p) => p.via === via);
    const items = mine.map((p, i) => ({ line: i + 1, jobId: p.jobId, body: p.body }));
    await sendAll(items, senders[via], {
      concurrency: 1,
      onSettled(result) {
        const probe = mine.find((p) => p.jobId === result.item.jobId)!;
        if (result.status === 'sent') probe.sentAt = Date.now();
        else {
          probe.sendError = result.reason;
          io.log(`smoke: ${probe.jobId} was not sent (${via}): ${result.reason}`);
        }
      },
    });
  }

  const reader = new ResultsReader(settings.store);
  try {
    await waitForRecords(reader, results, args.timeoutSec * 1000, io, sleep);
  } finally {
    reader.close();
  }
  const cleanedUp = await lookUpAndRemove(settings.oss, results, args.keepObjects);
  return { probes: results, allUploaded: results.every((p) => p.record?.status === 'uploaded'), cleanedUp };
}

async function waitForRecords(reader: ResultsReader, probes: ProbeResult[], timeoutMs: number, io: SmokeIo, sleep: (ms: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const sent = probes.filter((p) => p.sentAt !== undefined);
  if (sent.length === 0) return;
  let lastError: string | undefined;
  for (;;) {
    const pending = sent.filter((p) => !isFinal(p.record));
    if (pending.length > 0) {
      try {
        const found = await reader.getRecords(pending.map((p) => p.jobId));
        for (const probe of pending) {
          const record = found.get(probe.jobId);
          if (record) probe.record = record;
          if (isFinal(record)) probe.seenAt = Date.now();
        }
      } catch (error) {
        // A store hiccup is reported once and waited out, within the deadline.
        const message = error instanceof StoreError ? `${error.reason}: ${error.message}` : describe(error);
        if (message !== lastError) io.log(`smoke: reading records failed, trying again: ${message}`);
        lastError = message;
      }
    }
    const done = sent.filter((p) => isFinal(p.record)).length;
    io.progress(done, sent.length, Date.now() - started);
    if (done === sent.length || Date.now() >= deadline) break;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  io.progressDone();
}

/**
 * HEADs each probe's object (where its record says it is) for its Last-Modified, then
 * deletes it unless asked to keep it. True when nothing that was to go was left behind.
 */
async function lookUpAndRemove(config: OssClientConfig, probes: ProbeResult[], keep: boolean): Promise<boolean> {
  const clients = new Map<string, ReturnType<typeof createOssClient>>();
  let clean = true;
  for (const probe of probes) {
    const bucket = probe.record?.bucket;
    const key = probe.record?.object;
    if (!bucket || !key) continue;
    let client = clients.get(bucket);
    if (!client) {
      client = createOssClient(config, bucket);
      clients.set(bucket, client);
    }
    try {
      const head = await client.head(key);
      const lastModified = (head.res.headers as Record<string, string | undefined>)['last-modified'];
      const at = lastModified ? Date.parse(lastModified) : NaN;
      if (!Number.isNaN(at)) probe.storedAt = at;
      if (!keep) {
        await client.delete(key);
        probe.removed = true;
      }
    } catch (error) {
      // No object (a failed upload): nothing to remove.
      if ((error as { status?: unknown }).status === 404) continue;
      probe.cleanupError = describe(error);
      if (!keep) clean = false;
    }
  }
  return clean;
}
