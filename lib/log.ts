/**
 * Structured logging: one JSON object per line, which FC's log service indexes field by
 * field. Fields whose names suggest a secret are replaced before anything is written,
 * so a careless call cannot leak a token, key or signature.
 */

/** Field names never written as they are. */
const SECRET_FIELD = /secret|token|signature|authorization|password|credential|access.?key/i;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where lines go; console.log by default (FC collects stdout). */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => console.log(line);

/** Sends log lines elsewhere (tests capture them); returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, ...('reason' in value ? { reason: (value as { reason: unknown }).reason } : {}) };
  if (depth > 4) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/**
 * Writes one structured line.
 *
 * @example log('info', { fn: 'callback', requestId, jobId, outcome: 'recorded', ms: 12 })
 * // {"time":"2026-11-23T10:00:00.000Z","level":"info","fn":"callback",…}
 */
export function log(level: LogLevel, fields: Record<string, unknown>): void {
  const line = { time: new Date().toISOString(), level, ...(redact(fields, 0) as Record<string, unknown>) };
  sink(JSON.stringify(line));
}
