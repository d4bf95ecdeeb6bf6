/**
 * Building PostObject forms for the emulator tests the way ali-oss documents it, not
 * with our ticket code: the policy with the V4 conditions, `getCredential` from ali-oss's
 * signUtils, the signature from `client.signPostObjectPolicyV4(policy, date)`
 * (node_modules/ali-oss/README.md, ".signPostObjectPolicyV4(policy, date)"), and a fetch
 * with FormData, the file last.
 */
import OSS from 'ali-oss';
import { getCredential } from 'ali-oss/lib/common/signUtils';
import type { OssEmulator } from '../../../local/oss/index';

/** What a test form differs in. */
export interface FormOptions {
  bucket: string;
  key: string;
  /** Conditions besides the V4 ones and `{ bucket }`. */
  conditions?: unknown[];
  /** Fields besides key, policy and the V4 ones (e.g. success_action_status, callback, x:…). */
  fields?: Record<string, string>;
  expiration?: Date;
  /** Signing time (default now). */
  date?: Date;
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
}

function ossDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The fields of a signed form (without the file).
 *
 * @example const fields = signedForm(oss, { bucket: 'b', key: 'a.txt', conditions: [['content-length-range', 1, 1024]] });
 */
export function signedForm(emulator: OssEmulator, options: FormOptions): Record<string, string> {
  const date = options.date ?? new Date();
  const region = options.region ?? 'cn-hangzhou';
  const accessKeyId = options.accessKeyId ?? emulator.accessKeyId;
  const when = ossDate(date);
  const credential = getCredential(when.slice(0, 8), region, accessKeyId);
  const policy = {
    expiration: (options.expiration ?? new Date(date.getTime() + 60_000)).toISOString(),
    conditions: [
      { bucket: options.bucket },
      { 'x-oss-credential': credential },
      { 'x-oss-date': when },
      { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
      ...(options.conditions ?? []),
    ],
  };
  const client = new OSS({ region: `oss-${region}`, accessKeyId, accessKeySecret: options.accessKeySecret ?? emulator.accessKeySecret, bucket: options.bucket, authorizationV4: true }) as unknown as {
    signPostObjectPolicyV4(policy: object, date: Date): string;
  };
  return {
    key: options.key,
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': credential,
    'x-oss-date': when,
    policy: Buffer.from(JSON.stringify(policy), 'utf8').toString('base64'),
    'x-oss-signature': client.signPostObjectPolicyV4(policy, date),
    ...options.fields,
  };
}

/** An answer to a form post. */
export interface PostAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Code, Message and EC of an OSS error document. */
  error?: { code: string; message: string; ec?: string };
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'") : undefined;
}

/**
 * Posts `fields` and then the file (when given) as multipart/form-data to the bucket.
 *
 * @example const answer = await postForm(`${oss.url}/b`, fields, Buffer.from('hi'));
 */
export async function postForm(url: string, fields: Record<string, string>, file?: Buffer, options: { filename?: string; type?: string; headers?: Record<string, string> } = {}): Promise<PostAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('file', new Blob([file], { type: options.type ?? 'application/octet-stream' }), options.filename ?? 'file.bin');
  const response = await fetch(url, { method: 'POST', body: form, headers: options.headers });
  return parseAnswer(response);
}

/** Reads a fetch response into a PostAnswer. */
export async function parseAnswer(response: Response): Promise<PostAnswer> {
  const text = await response.text();
  const code = tag(text, 'Code');
  return {
    status: response.status,
    headers: response.headers,
    text,
    ...(code ? { error: { code, message: tag(text, 'Message') ?? '', ...(tag(text, 'EC') ? { ec: tag(text, 'EC') } : {}) } } : {}),
  };
}
