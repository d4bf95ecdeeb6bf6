/**
 * The emulator's own HTTP API under `/__emulator/` (not part of OSS):
 * - `GET  /__emulator/callback_pub_key_v1.pem`  the callback public key (PEM), the URL
 *   the emulator puts (Base64) in `x-oss-pub-key-url`;
 * - `POST /__emulator/faults` with a JSON FaultRule (or an array of them), `GET` lists
 *   pending rules, `DELETE` clears them;
 * - `GET  /__emulator/health`  `{ ok, memory }` (process.memoryUsage of the emulator).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector, FaultRuleError, type FaultRule } from '../faults';

export const PUBLIC_KEY_PATH = 'callback_pub_key_v1.pem';
const MAX_CONTROL_BODY = 64 * 1024;

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONTROL_BODY) throw new FaultRuleError('request body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FaultRuleError('request body is not JSON');
  }
}

/** Answers one control request; `path` is what follows `/__emulator/`. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: { faults: FaultInjector; publicKeyPem: string },
): Promise<void> {
  const route = `${req.method} ${path.split('?')[0]}`;
  switch (route) {
    case `GET ${PUBLIC_KEY_PATH}`:
      res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(deps.publicKeyPem) });
      res.end(deps.publicKeyPem);
      return;
    case 'GET faults':
      json(res, 200, deps.faults.pending());
      return;
    case 'DELETE faults':
      deps.faults.clear();
      res.writeHead(204).end();
      return;
    case 'POST faults':
      try {
        const body = await readJson(req);
        const rules = (Array.isArray(body) ? body : [body]) as FaultRule[];
        for (const rule of rules) {
          if (rule === null || typeof rule !== 'object') throw new FaultRuleError('a fault rule must be a JSON object');
        }
        // Check them all before adding any, so a bad list changes nothing.
        const probe = new FaultInjector();
        for (const rule of rules) probe.inject(rule);
        for (const rule of rules) deps.faults.inject(rule);
        json(res, 200, deps.faults.pending());
      } catch (error) {
        if (!(error instanceof FaultRuleError)) throw error;
        json(res, 400, { error: error.reason, message: error.message });
      }
      return;
    case 'GET health':
      json(res, 200, { ok: true, memory: process.memoryUsage() });
      return;
    default:
      json(res, 404, { error: 'not_found', message: `no emulator endpoint ${route}` });
  }
}
