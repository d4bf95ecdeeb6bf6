/**
 * Shared pieces of the reliability suite: the local stack on bundles built into a
 * temporary directory (never dist/: other test files read it while these run), callback
 * bodies as OSS fills the uploader's template, OSS-style signed requests, raw HTTP with
 * full control over header names and repeats, and polling with a deadline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHash, sign, type KeyObject } from 'node:crypto';
import { standardBodyTemplate } from '../../lib/protocol/template';
import { signedBytes } from '../../lib/callback/verify';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** The stack and a way to stop it and remove its bundles. */
export interface ReliabilityStack {
  stack: LocalStack;
  close(): Promise<void>;
}

/**
 * Starts the local stack on freshly built bundles in a temporary directory.
 *
 * @example const { stack, close } = await startReliabilityStack({ trigger: false });
 */
export async function startReliabilityStack(options: Omit<LocalStackOptions, 'bundlesDir' | 'build'> = {}): Promise<ReliabilityStack> {
  const bundlesDir = await mkdtemp(path.join(os.tmpdir(), 'reliability-bundles-'));
  try {
    const stack = await startLocalStack({ ...options, bundlesDir, build: true });
    return {
      stack,
      close: async () => {
        await stack.close();
        await rm(bundlesDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(bundlesDir, { recursive: true, force: true });
    throw error;
  }
}

/** Values of one filled callback body; keys are template variable names. */
export type BodyValues = Record<string, string>;

/**
 * The values OSS would put into the uploader's template for a small text upload, plus
 * the job's custom variables.
 */
export function uploadValues(fields: { bucket: string; object: string; jobId?: string; token?: string; size?: number }): BodyValues {
  const values: BodyValues = {
    bucket: fields.bucket,
    object: fields.object,
    etag: '"5EB63BBBE01EEED093CB22BB8F5ACDC3"',
    size: String(fields.size ?? 11),
    mimeType: 'text/plain',
    'imageInfo.height': '',
    'imageInfo.width': '',
    'imageInfo.format': '',
    crc64: '5981764153023615706',
    contentMd5: 'XrY7u+Ae7tCTyyK7j1rNww==',
    vpcId: '',
    clientIp: '127.0.0.1',
    reqId: '6571A3B0C0FFEE000000',
    operation: 'PutObject',
  };
  if (fields.jobId !== undefined) values['x:job_id'] = fields.jobId;
  if (fields.token !== undefined) values['x:token'] = fields.token;
  return values;
}

/** A form body exactly as OSS fills `standardBodyTemplate` (values percent-encoded). */
export function formBody(values: BodyValues): Buffer {
  const template = standardBodyTemplate(Object.keys(values).filter((k) => k.startsWith('x:')));
  return Buffer.from(template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? '')), 'utf8');
}

/** A request as sent on the wire: header pairs in order, names as written. */
export interface RawRequest {
  method: string;
  path: string;
  /** Raw query without `?`; omitted for none. */
  query?: string;
  headers: [string, string][];
  body: Buffer;
}

/**
 * A callback request as OSS sends it (OSS's Callback page, https://www.alibabacloud.com/help/en/oss/developer-reference/callback), signed with `key` over
 * `signPath` / `signQuery` (by default the path and query it is sent to).
 */
export function signedCallback(
  key: KeyObject,
  keyUrl: string,
  req: { path?: string; query?: string; body: Buffer; bucket: string; contentType?: string; signPath?: string; signQuery?: string },
): RawRequest {
  const path = req.path ?? '/oss/callback';
  const signature = sign('md5', signedBytes(req.signPath ?? path, req.signQuery ?? req.query, req.body), key);
  const out: RawRequest = {
    method: 'POST',
    path,
    headers: [
      ['Authorization', signature.toString('base64')],
      ['x-oss-pub-key-url', Buffer.from(keyUrl, 'utf8').toString('base64')],
      ['Content-MD5', createHash('md5').update(req.body).digest('base64')],
      ['Content-Type', req.contentType ?? 'application/x-www-form-urlencoded'],
      ['Date', new Date().toUTCString()],
      ['User-Agent', 'aliyun-oss-callback'],
      ['x-oss-bucket', req.bucket],
      ['x-oss-request-id', '6571A3B0C0FFEE000000'],
      ['x-oss-requester', '1000000000000000'],
      ['x-oss-signature-version', '1.0'],
      ['x-oss-tag', 'CALLBACK'],
    ],
    body: req.body,
  };
  if (req.query !== undefined) out.query = req.query;
  return out;
}

/** What came back. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Sends a request to `base` (an origin) with the headers exactly as listed (names,
 * letter case, repeats); Content-Length is added unless the list has one.
 */
export function sendRaw(base: string, req: RawRequest, options: { timeoutMs?: number; agent?: http.Agent } = {}): Promise<RawResponse> {
  const url = new URL(base);
  const flat: string[] = [];
  for (const [name, value] of req.headers) flat.push(name, value);
  // Node adds neither when headers are given as a list, and HTTP/1.1 requires Host.
  if (!req.headers.some(([name]) => name.toLowerCase() === 'host')) flat.push('Host', url.host);
  if (!req.headers.some(([name]) => name.toLowerCase() === 'content-length')) flat.push('Content-Length', String(req.body.length));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.query !== undefined ? `${req.path}?${req.query}` : req.path,
        headers: flat as unknown as http.OutgoingHttpHeaders,
        agent: options.agent ?? agent,
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)));
    request.on('error', reject);
    request.end(req.body);
  });
}

/** Closes the shared keep-alive agent's idle sockets (in after()). */
export function closeAgent(): void {
  agent.destroy();
}

/**
 * Polls `check` until it returns a value other than undefined, or throws after
 * `timeoutMs` with `what` in the message.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Counts by key, for the printed summaries. */
export function tally<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** PIDs of this process's children that run the function `fn` (FC_FUNCTION_NAME in their environment). */
export function instancePids(fn: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (environ.includes(`FC_FUNCTION_NAME=${fn}`)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Resident set size of a process, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}
