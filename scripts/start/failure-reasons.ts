/**
 * Why a job of `npm start` has no final record: what the uploader last logged about it
 * (its JSON log lines carry jobId, messageId, outcome, reason and error), what the MNS
 * trigger reported for its messages (a failed invocation, dead-lettering), and nothing
 * that could be a secret.
 */
import type { FunctionLogEntry, TriggerEvent } from '../../local/stack';
import { plural } from '../../lib/plural';

/** The uploader's last word on one job. */
interface Said {
  outcome: string;
  reason?: string;
  error?: string;
}

/** What the trigger did with one message. */
interface MessageFate {
  /** The last failed invocation's error, when the batch with this message failed. */
  invocationError?: string;
  deadLettered?: number;
  discarded?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Removes what could be secret from a line meant for the terminal: URL query strings and
 * user info (signed URLs carry Signature and OSSAccessKeyId there), and any of the
 * `known` secret values, wherever they appear.
 *
 * @example scrub('GET https://u:p@b.example/k?Signature=abc failed', []) // 'GET https://…@b.example/k?… failed'
 */
export function scrub(line: string, known: readonly string[]): string {
  let out = line.replace(/(\bhttps?:\/\/)[^\s/@]*@/gi, '$1…@').replace(/(\bhttps?:\/\/[^\s?#]*)\?[^\s#]*/gi, '$1?…');
  for (const secret of known) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * Collects the reasons while npm start runs; `reasonFor(jobId)` answers once it waits no
 * more.
 *
 * @example
 * const reasons = new FailureReasons([stack.tokenSecret]);
 * startLocalStack({ onFunctionLog: (e) => reasons.onFunctionLog(e), onTriggerEvent: (e) => reasons.onTriggerEvent(e) });
 * reasons.sent(messageId, 'dead-url-1');
 * reasons.reasonFor('dead-url-1'); // 'the uploader: retry_later (source_network): … connect ECONNREFUSED 127.0.0.1:9'
 */
export class FailureReasons {
  private readonly said = new Map<string, Said>();
  private readonly fates = new Map<string, MessageFate>();
  private readonly jobOfMessage = new Map<string, string>();
  /** A line about the whole function (a setting missing, a crash), not one job. */
  private general?: string;

  constructor(private secrets: readonly string[] = []) {}

  /** Secret values to scrub from every reason (the stack's keys, once known). */
  setSecrets(secrets: readonly string[]): void {
    this.secrets = secrets;
  }

  /** Notes that message `messageId` carries job `jobId` (undefined: a line without one). */
  sent(messageId: string, jobId: string | undefined): void {
    if (jobId !== undefined) this.jobOfMessage.set(messageId, jobId);
  }

  /** Takes one function log line (the stack's `onFunctionLog`). */
  onFunctionLog(entry: FunctionLogEntry): void {
    if (entry.fn !== 'uploader') return;
    let line: unknown;
    try {
      line = JSON.parse(entry.message);
    } catch {
      // Not one of lib/log's lines: a runtime error, an uncaught exception's output.
      if (entry.level === 'ERROR') this.general = entry.message;
      return;
    }
    if (!isRecord(line)) return;
    const outcome = text(line.outcome);
    if (!outcome) return;
    const jobId = text(line.jobId) ?? this.jobOfMessage.get(text(line.messageId) ?? '');
    const said: Said = { outcome, reason: text(line.reason), error: text(line.error) };
    if (jobId) this.said.set(jobId, said);
    else if (outcome === 'config_error') this.general = `${said.error ?? 'a setting is missing or wrong'}`;
  }

  /** Takes one trigger event (the stack's `onTriggerEvent`). */
  onTriggerEvent(event: TriggerEvent): void {
    const fate = (id: string): MessageFate => {
      const known = this.fates.get(id) ?? {};
      this.fates.set(id, known);
      return known;
    };
    if (event.type === 'failed') {
      const error = event.error instanceof Error ? event.error.message : String(event.error);
      for (const id of event.messageIds) fate(id).invocationError = error;
    } else if (event.type === 'dead-lettered') fate(event.messageId).deadLettered = event.dequeueCount;
    else if (event.type === 'discarded') fate(event.messageId).discarded = event.dequeueCount;
  }

  /** Why `jobId` has no final record, as far as the logs tell; undefined when they tell nothing. */
  reasonFor(jobId: string): string | undefined {
    const parts: string[] = [];
    const said = this.said.get(jobId);
    if (said) parts.push(`the uploader logged ${said.outcome}${said.reason ? ` (${said.reason})` : ''}${said.error ? `: ${said.error}` : ''}`);
    const fates = [...this.jobOfMessage].filter(([, job]) => job === jobId).map(([id]) => this.fates.get(id)).filter((f) => f !== undefined);
    const failed = fates.find((f) => f.invocationError)?.invocationError;
    if (!said && failed) parts.push(`its invocation failed: ${failed}`);
    const dead = fates.find((f) => f.deadLettered !== undefined);
    if (dead) parts.push(`dead-lettered after ${plural(dead.deadLettered!, 'delivery', 'deliveries')}`);
    const dropped = fates.find((f) => f.discarded !== undefined);
    if (dropped) parts.push(`discarded after ${plural(dropped.discarded!, 'delivery', 'deliveries')}`);
    if (parts.length === 0 && this.general) parts.push(`the uploader logged: ${this.general}`);
    return parts.length === 0 ? undefined : scrub(parts.join('; '), this.secrets);
  }
}
