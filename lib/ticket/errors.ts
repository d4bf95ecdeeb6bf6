/**
 * Why the ticket function refuses a request. Every refusal is answered as JSON
 * `{ error: <reason>, message }` with the status of its reason, and writes nothing.
 */
import { ReasonedError } from '../errors';

export type TicketReason =
  /** No user id header: FC did not pass a verified claim (the trigger is not JWT-protected, or the token lacks the claim). */
  | 'user_missing'
  /** The user id cannot name keys and jobs safely. */
  | 'bad_user_id'
  | 'body_not_json'
  | 'bad_request'
  | 'bad_job_id'
  | 'bad_key'
  | 'key_outside_prefix'
  | 'bad_filename'
  | 'bad_content_type'
  | 'bad_max_bytes'
  | 'max_bytes_above_cap'
  | 'bad_vars'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large';

/** A request the ticket function refuses; `status` is the HTTP status it answers with. */
export class TicketError extends ReasonedError<TicketReason> {
  get status(): number {
    return STATUS[this.reason];
  }
}

const STATUS: Record<TicketReason, number> = {
  user_missing: 401,
  bad_user_id: 403,
  body_not_json: 400,
  bad_request: 400,
  bad_job_id: 400,
  bad_key: 400,
  key_outside_prefix: 403,
  bad_filename: 400,
  bad_content_type: 400,
  bad_max_bytes: 400,
  max_bytes_above_cap: 400,
  bad_vars: 400,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
};
