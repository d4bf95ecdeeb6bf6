/**
 * The callback part of a ticket's form: the `callback` field (Base64 of the callback
 * parameters, exactly what PutObject sends as `x-oss-callback`) and one `x:` field per
 * custom variable. PostObject takes custom variables as form fields named `x:<name>`
 * (aliyun/alibabacloud-oss-python-sdk-v2 sample/post_object_callback.py, commit 2ac4748:
 * `field_dict['callback'] = encoded_callback; field_dict['x:my_var1'] = 'value1'`).
 *
 * Made from lib/callback exactly as lib/uploader/callback-params.ts makes its headers,
 * so the callback function verifies a ticket's upload like any queued job's.
 */
import { encodeCallback, FORM_BODY } from '../protocol/encode';
import { standardBodyTemplate } from '../protocol/template';
import { createJobToken, JOB_ID_VAR, JOB_VAR_PREFIX, TOKEN_VAR } from '../protocol/token';

/** What the fields are made from. */
export interface CallbackFieldsInput {
  jobId: string;
  bucket: string;
  key: string;
  vars: Record<string, string>;
  callbackUrl: string;
  tokenSecrets: readonly string[];
  now?: number;
}

/** The `callback` form field and the `x:` form fields. */
export interface CallbackFields {
  callback: string;
  /** `x:job_id`, `x:token` and `x:var_<name>` for each var. */
  vars: Record<string, string>;
}

/**
 * Builds the callback fields of one ticket. Throws CallbackParamsError when OSS would
 * refuse them.
 *
 * @example
 * callbackFieldsFor({ jobId: 'u-42:t1', bucket: 'b', key: 'uploads/users/u-42/t1/cat.jpg', vars: { user: 'u-42' }, callbackUrl, tokenSecrets })
 * // => { callback: 'eyJjYWxsYmFja1VybCI6…', vars: { 'x:job_id': 'u-42:t1', 'x:token': 'v2.…', 'x:var_user': 'u-42' } }
 */
export function callbackFieldsFor(input: CallbackFieldsInput): CallbackFields {
  const vars: Record<string, string> = {
    [JOB_ID_VAR]: input.jobId,
    [TOKEN_VAR]: createJobToken(input.tokenSecrets, { jobId: input.jobId, bucket: input.bucket, key: input.key, vars: input.vars }, input.now),
  };
  for (const [name, value] of Object.entries(input.vars)) vars[`${JOB_VAR_PREFIX}${name}`] = value;
  const headers = encodeCallback({ urls: input.callbackUrl, body: standardBodyTemplate(Object.keys(vars), FORM_BODY), bodyType: FORM_BODY, vars });
  return { callback: headers['x-oss-callback'], vars };
}
