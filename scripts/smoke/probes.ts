/**
 * The probe jobs of one smoke run: small text jobs with ids and keys that say what they
 * are (`smoke-<run>-q1`, `smoke/<run>/…`), so leftovers are easy to find and remove.
 */
import { randomBytes } from 'node:crypto';
import type { Job } from '../../lib/jobs/job';

/** One probe and what happened to it. */
export interface Probe {
  jobId: string;
  via: 'queue' | 'invoke';
  /** Object key the job asks for. */
  key: string;
  /** The job as sent (JSON). */
  body: string;
  /** Local clock, epoch ms, when the send was acknowledged. */
  sentAt?: number;
  sendError?: string;
}

/**
 * A run id: UTC time to the second and 4 random hex digits, e.g. `20261202T101500Z-ab12`.
 *
 * @example newRunId(Date.parse('2026-12-02T10:15:00Z')) // '20261202T101500Z-' + 4 hex digits
 */
export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** `queueProbes` probes for the queue and one for async invocation. */
export function makeProbes(runId: string, queueProbes: number): Probe[] {
  const probe = (via: Probe['via'], n: number): Probe => {
    const jobId = `smoke-${runId}-${via === 'queue' ? 'q' : 'i'}${n}`;
    const key = `smoke/${runId}/${jobId}.txt`;
    const job: Job = { jobId, source: { text: `smoke probe ${jobId}\n` }, target: { key }, contentType: 'text/plain' };
    return { jobId, via, key, body: JSON.stringify(job) };
  };
  return [...Array.from({ length: queueProbes }, (_, i) => probe('queue', i + 1)), probe('invoke', 1)];
}
