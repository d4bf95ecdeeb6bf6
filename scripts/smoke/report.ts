/**
 * The smoke run's report: one line per probe with the time each stage took, counted
 * from the moment the probe's send was acknowledged.
 */
import type { ProbeResult, SmokeOutcome } from './run';

/** Seconds with one decimal, signed when negative (clock skew): `1.4 s`. */
function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function row(p: ProbeResult, startedAt: number): string[] {
  const sent = p.sentAt;
  const since = (t: number | undefined) => (t === undefined || sent === undefined ? undefined : t - sent);
  const byCallback = p.record?.recordedBy === 'callback' ? p.record.createdAt : undefined;
  const status = p.sendError ? 'not sent' : (p.record?.status ?? 'no record');
  return [p.jobId, p.via, seconds(sent === undefined ? undefined : sent - startedAt), seconds(since(p.storedAt)), seconds(since(byCallback)), seconds(since(p.seenAt)), status];
}

/**
 * The report's lines: a table, a note on the clocks, and the problems, if any.
 *
 * @example report(outcome, startedAt).join('\n')
 */
export function report(outcome: SmokeOutcome, startedAt: number): string[] {
  const header = ['PROBE', 'VIA', 'SENT', 'UPLOADED', 'CALLBACK RECORDED', 'SEEN', 'STATUS'];
  const rows = [header, ...outcome.probes.map((p) => row(p, startedAt))];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  '));
  lines.push(
    'SENT: after the run started. The rest after the probe was sent: UPLOADED from the object\'s Last-Modified',
    '(OSS\'s clock, whole seconds), CALLBACK RECORDED from the record\'s created_at (the function\'s clock),',
    'SEEN when this run read the final record.',
  );
  for (const p of outcome.probes) {
    if (p.record?.status && p.record.status !== 'uploaded') lines.push(`${p.jobId}: ${p.record.status}${p.record.error ? `: ${p.record.error}` : ''}`);
    if (p.cleanupError) lines.push(`${p.jobId}: object ${p.record?.bucket}/${p.record?.object} not removed: ${p.cleanupError}`);
  }
  return lines;
}
