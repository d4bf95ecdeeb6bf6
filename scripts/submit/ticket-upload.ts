/**
 * Uploading one local file through an upload ticket, exactly as a browser or app would:
 * ask the ticket endpoint (with the user's bearer token) for a ticket, post the ticket's
 * form straight to OSS with the file last, streamed from disk, then read the record the
 * callback wrote. docs/tickets.md describes the protocol.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ReasonedError } from '../../lib/errors';

/** Why an upload by ticket failed. */
export type TicketUploadReason = 'ticket_refused' | 'upload_refused' | 'callback_failed' | 'no_record' | 'unreachable';

/** One failed upload; the message has the service's own code and message, never the token. */
export class TicketUploadError extends ReasonedError<TicketUploadReason> {}

/** Where tickets come from, and as whom. */
export interface TicketEndpoint {
  /** The ticket function's `…/tickets` URL (TICKET_URL). */
  url: string;
  /** The bearer token (TICKET_TOKEN). */
  token: string;
}

/** What came of one file. */
export interface TicketUploadResult {
  file: string;
  jobId: string;
  key: string;
  size: number;
  /** The record as the read endpoint returns it (after `wait`), or the callback's answer. */
  record: { status: string; etag?: string; size?: number };
}

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.mp4': 'video/mp4',
};

/** A media type for a file name (by extension), `application/octet-stream` when unknown. */
export function contentTypeFor(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function ossError(text: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return code ? `${code}: ${message ?? ''}` : text.slice(0, 200);
}

async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new TicketUploadError('unreachable', `${new URL(url).origin} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Uploads `file` by ticket. With `wait`, polls the read endpoint until the record is
 * there (up to `waitMs`). Throws TicketUploadError naming the step that failed.
 *
 * @example const result = await uploadByTicket({ url: process.env.TICKET_URL, token: process.env.TICKET_TOKEN }, 'photo.jpg', { wait: true });
 */
export async function uploadByTicket(endpoint: TicketEndpoint, file: string, options: { contentType?: string; wait?: boolean; waitMs?: number } = {}): Promise<TicketUploadResult> {
  const size = (await stat(file)).size;
  const contentType = options.contentType ?? contentTypeFor(file);
  const auth = { Authorization: `Bearer ${endpoint.token}` };
  const asked = await call(endpoint.url, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ filename: basename(file), contentType, maxBytes: Math.max(size, 1) }),
  });
  const ticketText = await asked.text();
  if (asked.status !== 200) throw new TicketUploadError('ticket_refused', `no ticket (HTTP ${asked.status}): ${ticketText.slice(0, 300)}`);
  const ticket = JSON.parse(ticketText) as { jobId: string; url: string; fields: Record<string, string> };

  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  // A file-backed Blob: fetch streams it from disk.
  form.append('file', await openAsBlob(file, { type: contentType }), basename(file));
  const posted = await call(ticket.url, { method: 'POST', body: form });
  const postedText = await posted.text();
  if (posted.status === 203) throw new TicketUploadError('callback_failed', `stored, but the callback failed: ${ossError(postedText)}`);
  if (posted.status < 200 || posted.status >= 300) throw new TicketUploadError('upload_refused', `OSS refused the upload (HTTP ${posted.status}): ${ossError(postedText)}`);
  let record: TicketUploadResult['record'] = posted.status === 200 && postedText ? (JSON.parse(postedText) as TicketUploadResult['record']) : { status: 'stored' };

  if (options.wait) {
    const deadline = Date.now() + (options.waitMs ?? 30_000);
    for (;;) {
      const read = await call(`${endpoint.url}/${encodeURIComponent(ticket.jobId)}`, { headers: auth });
      if (read.status === 200) {
        record = (await read.json()) as TicketUploadResult['record'];
        break;
      }
      await read.arrayBuffer();
      if (read.status !== 404 || Date.now() > deadline) throw new TicketUploadError('no_record', `no record of ${ticket.jobId} (HTTP ${read.status})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { file, jobId: ticket.jobId, key: ticket.fields.key ?? '', size, record };
}
