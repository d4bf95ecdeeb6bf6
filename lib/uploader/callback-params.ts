/**
 * The callback headers of one job's upload: OSS will POST the standard form body (every
 * system variable, the job id, the job token and the job's own vars) to CALLBACK_URL.
 *
 * The callback function reads the job id from `x:job_id`, the token from `x:token` and
 * each job var `<name>` from `x:var_<name>` (it strips the prefix when recording).
 */
import { encodeCallback, FORM_BODY, type CallbackHeaders } from '../protocol/encode';
import { standardBodyTemplate } from '../protocol/template';
import { createJobToken, JOB_ID_VAR, JOB_VAR_PREFIX, TOKEN_VAR } from '../protocol/token';

/** What the headers are made from. */
export interface CallbackParamsInput {
  jobId: string;
  bucket: string;
  key: string;
  vars?: Record<string, string>;
  callbackUrl: string;
  tokenSecrets: readonly string[];
  now?: number;
}

/**
 * Builds `x-oss-callback` and `x-oss-callback-var` for one upload. Throws
 * CallbackParamsError when OSS would refuse them (e.g. vars too large for 5 KB).
 *
 * @example
 * callbackHeadersFor({ jobId: 'j1', bucket: 'b', key: 'a.txt', vars: { user: 'u1' }, callbackUrl, tokenSecrets })
 * // => { 'x-oss-callback': 'eyJjYWxsYmFja1VybCI6…', 'x-oss-callback-var': 'eyJ4OmpvYl9pZCI6…' }
 */
export function callbackHeadersFor(input: CallbackParamsInput): CallbackHeaders {
  const jobVars = input.vars ?? {};
  const vars: Record<string, string> = {
    [JOB_ID_VAR]: input.jobId,
    // The token covers the vars too, so a callback carrying other vars is refused.
    [TOKEN_VAR]: createJobToken(input.tokenSecrets, { jobId: input.jobId, bucket: input.bucket, key: input.key, vars: jobVars }, input.now),
  };
  for (const [name, value] of Object.entries(jobVars)) vars[`${JOB_VAR_PREFIX}${name}`] = value;
  return encodeCallback({
    urls: input.callbackUrl,
    body: standardBodyTemplate(Object.keys(vars), FORM_BODY),
    bodyType: FORM_BODY,
    vars,
  });
}
