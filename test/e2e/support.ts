/**
 * Shared pieces of the end-to-end tests: a local stack running bundles built into a
 * private temporary directory (test files run in parallel, so none builds into dist/),
 * waiting for a record, sending jobs, and plain HTTP requests to the callback trigger.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type OSS from 'ali-oss';
import type { Job } from '../../lib/jobs/job';
import type { JobRecord } from '../../lib/records/record';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** A stack and the temporary directory its bundles were built into. */
export interface E2eStack {
  stack: LocalStack;
  bundlesDir: string;
  /** Stops the stack and removes the bundles; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Builds the bundles once into a fresh temporary directory and starts a stack on them.
 * Pass `bundlesDir` (with `build: false`) to start a further stack on the same bundles.
 */
export async function startE2eStack(options: LocalStackOptions = {}): Promise<E2eStack> {
  const own = options.bundlesDir === undefined;
  const bundlesDir = options.bundlesDir ?? (await mkdtemp(path.join(os.tmpdir(), 'e2e-bundles-')));
  try {
    const stack = await startLocalStack({ build: own, ...options, bundlesDir });
    return {
      stack,
      bundlesDir,
      close: async () => {
        await stack.close();
        if (own) await rm(bundlesDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (own) await rm(bundlesDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Polls the store until the job's record satisfies `done` (default: it exists), or
 * fails the test after `timeoutMs`, showing the last record seen.
 */
export async function waitForRecord(stack: LocalStack, jobId: string, done: (r: JobRecord) => boolean = () => true, timeoutMs = 20_000): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: JobRecord | undefined;
  while (Date.now() < deadline) {
    last = await stack.store.getRecord(jobId);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no final record for ${jobId} within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

/**
 * Sends a job (or any text) to the stack's queue, as Base64 of its UTF-8 JSON: the
 * project's message encoding (docs/submitting.md).
 */
export async function sendToQueue(stack: LocalStack, job: Job | string): Promise<void> {
  const text = typeof job === 'string' ? job : JSON.stringify(job);
  await stack.mnsClient.sendMessage(stack.queue, { MessageBody: Buffer.from(text, 'utf8').toString('base64') });
}

const capturedEvent = JSON.parse(readFileSync(new URL('../conformance/fc-events/mns-queue-trigger-captured.json', import.meta.url), 'utf8')) as Record<string, unknown> & { data: Record<string, unknown> };

/** An MNS queue message as FC's trigger delivers it: the captured event (test/conformance/fc-events/) with this body and id. */
export function mnsCloudEvent(messageBody: string, messageId: string): Record<string, unknown> {
  return { ...capturedEvent, id: `evt-${messageId}`, data: { ...capturedEvent.data, messageId, messageBody } };
}

/** The object's ETag (quotes stripped, as records keep it) and size, by a real HEAD. */
export async function headObject(client: OSS, key: string): Promise<{ etag: string; size: number }> {
  const head = await client.head(key);
  const headers = head.res.headers as Record<string, string>;
  return { etag: headers.etag!.replace(/"/g, ''), size: Number(headers['content-length']) };
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request with exactly these headers and body bytes. */
export function httpRequest(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node frames no body on a GET by itself, and the server would choke on it.
    const framed = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(url, { method, headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
