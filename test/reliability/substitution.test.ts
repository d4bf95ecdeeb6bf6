/**
 * Substitution attempts through the OSS emulator. OSS signs whatever callback body
 * template the uploading account wrote, so anyone who has seen one of our job tokens
 * (valid 24 h) can upload anything to any bucket of theirs with a template that repeats
 * the token and our job's fields as constants, and OSS will sign that callback. Here a
 * job is uploaded as the uploader does it (its callback headers from
 * lib/uploader/callback-params.ts, the callback bundle answering on the FC host), then
 * an "attacker" uploads to another bucket of the same OSS emulator with templates that
 * repeat the captured token but change one thing each. Every attempt is signed by OSS
 * and must be refused or write nothing: the record stays exactly as the first callback
 * wrote it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OSS from 'ali-oss';
import { encodeCallback, FORM_BODY } from '../../lib/protocol/encode';
import { buildBodyTemplate, SYSTEM_VARIABLES, type TemplateField } from '../../lib/protocol/template';
import { JOB_ID_VAR, TOKEN_VAR } from '../../lib/protocol/token';
import { callbackHeadersFor } from '../../lib/uploader/callback-params';
import type { JobRecord } from '../../lib/records/record';
import { closeAgent, startReliabilityStack, tally, type ReliabilityStack } from './harness';

const ATTACKER_BUCKET = 'attacker-bucket';

let rs: ReliabilityStack;
let attacker: OSS;
const callbackLog: { outcome: string; status: number }[] = [];

interface Job {
  jobId: string;
  key: string;
  vars: Record<string, string>;
  /** The x:token value the uploader sent, as captured from its callback-var header. */
  token: string;
  record: JobRecord;
}

/** Uploads one job as the uploader does (same headers), and returns its record and captured token. */
async function uploadJob(jobId: string, vars: Record<string, string>): Promise<Job> {
  const key = `substitution/${jobId}.txt`;
  const headers = callbackHeadersFor({ jobId, bucket: rs.stack.bucket, key, vars, callbackUrl: rs.stack.callbackUrl, tokenSecrets: [rs.stack.tokenSecret] });
  const put = await rs.stack.ossClient.put(key, Buffer.from(`the real content of ${jobId}`), { mime: 'text/plain', headers: { ...headers } });
  assert.equal(put.res.status, 200, `the real upload of ${jobId} was not confirmed`);
  const token = (JSON.parse(Buffer.from(headers['x-oss-callback-var']!, 'base64').toString('utf8')) as Record<string, string>)[TOKEN_VAR]!;
  const record = (await rs.stack.store.getRecord(jobId))!;
  assert.equal(record.status, 'uploaded');
  return { jobId, key, vars, token, record };
}

/**
 * A body template repeating `fields` as constants; every other system variable is left
 * for OSS to fill from the attacker's own upload.
 */
function templateWith(constants: Record<string, string>): string {
  const fields: Record<string, TemplateField> = {};
  for (const variable of SYSTEM_VARIABLES) fields[variable] = { system: variable };
  for (const [name, value] of Object.entries(constants)) fields[name] = { constant: value };
  return buildBodyTemplate(fields, FORM_BODY);
}

/** The constants that make a body look like `job`'s real callback. */
function repeating(job: Job): Record<string, string> {
  const out: Record<string, string> = { bucket: rs.stack.bucket, object: job.key, [JOB_ID_VAR]: job.jobId, [TOKEN_VAR]: job.token };
  for (const [name, value] of Object.entries(job.vars)) out[`x:var_${name}`] = value;
  return out;
}

/** The attacker's upload: its own content and bucket, our callback URL, its own template. OSS signs the callback. */
async function attack(key: string, template: string): Promise<{ status: number; callback: { outcome: string; status: number } }> {
  const before = callbackLog.length;
  const headers = encodeCallback({ urls: rs.stack.callbackUrl, body: template, bodyType: FORM_BODY });
  let status: number;
  try {
    status = (await attacker.put(key, Buffer.from(`attacker content for ${key}, of another size`), { mime: 'application/x-evil', headers: { ...headers } })).res.status;
  } catch (error) {
    status = (error as { status: number }).status;
  }
  assert.equal(callbackLog.length, before + 1, 'OSS called the callback once');
  return { status, callback: callbackLog[before]! };
}

before(async () => {
  rs = await startReliabilityStack({
    trigger: false,
    instances: 2,
    onFunctionLog: (entry) => {
      if (entry.fn !== 'callback') return;
      try {
        const line = JSON.parse(entry.message) as { outcome?: string; status?: number };
        if (typeof line.status === 'number' && typeof line.outcome === 'string') callbackLog.push({ outcome: line.outcome, status: line.status });
      } catch {
        // not a request line
      }
    },
  });
  const { ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret } = rs.stack.endpoints;
  attacker = new OSS({ endpoint: rs.stack.oss.url, region: `oss-${rs.stack.oss.region}`, authorizationV4: true, bucket: ATTACKER_BUCKET, accessKeyId: accessKeyId!, accessKeySecret: accessKeySecret! });
  await attacker.putBucket(ATTACKER_BUCKET);
});

after(async () => {
  await rs?.close();
  closeAgent();
});

describe('substitution attempts: callbacks OSS really signs, repeating a captured job token', () => {
  const refused: { name: string; outcome: string }[] = [];

  test('a token cannot carry other vars, another bucket, object or job: refused, nothing written', async () => {
    const job = await uploadJob('subst-1', { customer: 'c-17', note: 'original' });
    const other = await uploadJob('subst-2', {});
    const base = repeating(job);
    const attempts: { name: string; template: string; reasons: string[] }[] = [
      { name: 'var value swapped', template: templateWith({ ...base, 'x:var_note': 'forged' }), reasons: ['token_mismatch'] },
      { name: 'var added', template: templateWith({ ...base, 'x:var_admin': 'true' }), reasons: ['token_mismatch'] },
      { name: 'var removed', template: templateWith(Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'x:var_note'))), reasons: ['token_mismatch'] },
      { name: 'vars exchanged', template: templateWith({ ...base, 'x:var_customer': 'original', 'x:var_note': 'c-17' }), reasons: ['token_mismatch'] },
      // OSS fills ${bucket} with the attacker's own bucket.
      { name: 'the real bucket (the attacker’s)', template: templateWith(Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'bucket'))), reasons: ['bucket_not_allowed'] },
      // OSS fills ${object} with the attacker's own key.
      { name: 'the real object (another key)', template: templateWith(Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'object'))), reasons: ['token_mismatch'] },
      { name: 'another object key written', template: templateWith({ ...base, object: `${job.key}.bak` }), reasons: ['token_mismatch'] },
      { name: 'the token moved to another job', template: templateWith({ ...base, [JOB_ID_VAR]: other.jobId }), reasons: ['token_mismatch'] },
      { name: 'another job’s token', template: templateWith({ ...base, [TOKEN_VAR]: other.token }), reasons: ['token_mismatch'] },
    ];
    for (const a of attempts) {
      const { status, callback } = await attack(`steal/${a.name.replace(/\W+/g, '-')}.txt`, a.template);
      refused.push({ name: a.name, outcome: callback.outcome });
      assert.equal(status, 203, `${a.name}: OSS reports CallbackFailed`);
      assert.ok(a.reasons.includes(callback.outcome), `${a.name}: refused for ${callback.outcome}, expected ${a.reasons.join(' or ')}`);
      assert.deepEqual(await rs.stack.store.getRecord(job.jobId), job.record, `${a.name}: the record changed`);
      assert.deepEqual(await rs.stack.store.getRecord(other.jobId), other.record, `${a.name}: the other record changed`);
    }
    console.log(`substitution attempts refused: ${JSON.stringify(tally(refused, (r) => r.outcome))}`);
  });

  // A token that matches job, bucket, key and vars, with the attacker's own etag, size,
  // mime type, CRC-64 and MD5. The token cannot cover those (OSS computes them after the
  // token is made); what protects the record is that it is final once `uploaded`: a later
  // callback for an uploaded job answers 200 with the stored record and writes nothing.
  test(
    'a token with everything it covers repeated, but the attacker’s etag, size and type: writes nothing to an uploaded record',
    async () => {
      const job = await uploadJob('subst-3', { customer: 'c-18' });
      const { status, callback } = await attack('steal/same-everything.txt', templateWith(repeating(job)));
      assert.equal(callback.status, 200, `the callback answered ${callback.outcome}`);
      assert.equal(status, 200);
      assert.deepEqual(await rs.stack.store.getRecord(job.jobId), job.record, 'the record changed');
    },
  );
});
