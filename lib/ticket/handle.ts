/**
 * What the ticket function does with one HTTP request, independent of FC:
 * `POST /tickets` issues a ticket, `GET /tickets/{jobId}` reads the caller's record.
 * The caller is the user id in the header FC's JWT trigger fills from the verified
 * token; the function never sees the token itself and trusts that header only because
 * FC checked the token before the function ran (docs/tickets.md, "Security model").
 */
import { headerValue } from '../fc/http-event';
import { StoreError } from '../store/errors';
import type { TicketConfig } from './config';
import { TicketError } from './errors';
import { issueTicket } from './issue';
import { readOwnRecord, type RecordReader } from './read';
import { parseTicketRequest } from './request';
import type { SigningCredentials } from './signer';

/** The request as the FC adapter hands it over. */
export interface TicketHttpRequest {
  method: string;
  /** Still percent-encoded (FC's rawPath). */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** What to answer, and what to log about it. */
export interface TicketAnswer {
  status: number;
  body: Record<string, unknown>;
  /** `issued`, `read`, or the refusal's reason. */
  outcome: string;
  jobId?: string;
}

/** What handling needs besides the request. */
export interface TicketDeps {
  config: TicketConfig;
  credentials: SigningCredentials;
  store: RecordReader;
  now?: () => number;
}

const COLLECTION = '/tickets';

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new TicketError('not_found', 'no such job');
  }
}

/**
 * Handles one request. Never throws: every failure becomes an answer.
 *
 * @example
 * await handleTicketRequest({ method: 'POST', path: '/tickets', headers: { 'X-User-Id': 'u-42' }, body }, deps)
 * // => { status: 200, outcome: 'issued', jobId: 'u-42:t…', body: { jobId, url, fields, expiresAt } }
 */
export async function handleTicketRequest(req: TicketHttpRequest, deps: TicketDeps): Promise<TicketAnswer> {
  try {
    const user = headerValue(req.headers, deps.config.userHeader);
    const path = req.path.replace(/\/+$/, '');
    if (path === COLLECTION) {
      if (req.method !== 'POST') throw new TicketError('method_not_allowed', `${COLLECTION} takes POST, not ${req.method}`);
      const ticket = issueTicket(parseTicketRequest(req.body), user, deps.config, deps.credentials, deps.now?.());
      return { status: 200, outcome: 'issued', jobId: ticket.jobId, body: { ...ticket } };
    }
    if (path.startsWith(`${COLLECTION}/`) && !path.slice(COLLECTION.length + 1).includes('/')) {
      if (req.method !== 'GET') throw new TicketError('method_not_allowed', `a ticket's record is read with GET, not ${req.method}`);
      const jobId = decodeSegment(path.slice(COLLECTION.length + 1));
      const view = await readOwnRecord(jobId, user, deps.store);
      return { status: 200, outcome: 'read', jobId, body: { ...view } };
    }
    throw new TicketError('not_found', `no such endpoint; use POST ${COLLECTION} or GET ${COLLECTION}/{jobId}`);
  } catch (error) {
    if (error instanceof TicketError) return { status: error.status, outcome: error.reason, body: { error: error.reason, message: error.message } };
    if (error instanceof StoreError) return { status: 503, outcome: 'store_unavailable', body: { error: 'store_unavailable', message: 'records cannot be read right now; try again later' } };
    return { status: 500, outcome: 'internal_error', body: { error: 'internal_error', message: 'the request could not be handled' } };
  }
}
