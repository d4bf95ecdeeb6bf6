// The example RAM policies in deploy/ram/ (documented in docs/deploy.md): well-formed,
// least privilege, and naming the same resources as s.yaml.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const dir = fileURLToPath(new URL('../../deploy/ram/', import.meta.url));

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const load = (name: string): Policy => JSON.parse(readFileSync(`${dir}${name}`, 'utf8')) as Policy;
const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const actions = (policy: Policy): string[] => policy.Statement.flatMap((s) => list(s.Action)).sort();
const resources = (policy: Policy): string[] => policy.Statement.flatMap((s) => list(s.Resource));

const sYaml = parse(readFileSync(fileURLToPath(new URL('../../s.yaml', import.meta.url)), 'utf8')) as {
  vars: Record<string, string>;
  resources: Record<string, { props: { logConfig: { logstore: string } } }>;
};
const vars = sYaml.vars;

describe('deploy/ram policies', () => {
  test('every file is a version-1 policy of Allow statements with explicit actions', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 4);
    for (const file of files) {
      const policy = load(file);
      assert.equal(policy.Version, '1', file);
      for (const statement of policy.Statement) {
        assert.equal(statement.Effect, 'Allow', file);
        for (const action of list(statement.Action)) assert.doesNotMatch(action, /\*/, `${file}: wildcard action ${action}`);
      }
    }
  });

  test('the functions trust Function Compute only', () => {
    const trust = load('fc-trust-policy.json');
    assert.deepEqual(trust.Statement.map((s) => [s.Action, s.Principal]), [['sts:AssumeRole', { Service: ['fc.aliyuncs.com'] }]]);
  });

  test('uploader: uploads, reads for HEAD and sources, records rows (claims and counts batched), dead-letters, logs; nothing else', () => {
    const policy = load('uploader-policy.json');
    // A RAM action is the API's name with the ots: prefix (Tablestore "Custom RAM policy",
    // https://www.alibabacloud.com/help/en/tablestore/tablestore-ram-policy/, read 2026-12-02).
    assert.deepEqual(
      [...new Set(actions(policy))],
      ['log:PostLogStoreLogs', 'mns:SendMessage', 'oss:AbortMultipartUpload', 'oss:GetObject', 'oss:PutObject', 'ots:BatchWriteRow', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'],
    );
    const arns = resources(policy);
    assert.ok(arns.includes(`acs:mns:<region>:<account-id>:/queues/${vars.deadLetterQueue}/messages`));
    assert.ok(arns.includes(`acs:ots:<region>:<account-id>:instance/<instance>/table/${vars.tablestoreTable}`));
    assert.ok(arns.includes(`acs:log:<region>:<account-id>:project/<log-project>/logstore/${vars.logstore}`));
  });

  test('callback: records rows and logs; no OSS, MNS or table administration', () => {
    const policy = load('callback-policy.json');
    assert.deepEqual(actions(policy), ['log:PostLogStoreLogs', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow']);
    assert.ok(resources(policy).includes(`acs:ots:<region>:<account-id>:instance/<instance>/table/${vars.tablestoreTable}`));
  });

  test('ticket: PutObject under the ticket key prefix only (the signer of a PostObject form needs it), reads rows, logs', () => {
    const policy = load('ticket-policy.json');
    assert.deepEqual(actions(policy), ['log:PostLogStoreLogs', 'oss:PutObject', 'ots:GetRow']);
    assert.ok(resources(policy).includes(`acs:oss:*:<account-id>:<bucket>/${vars.ticketKeyPrefix}*`));
    assert.ok(resources(policy).includes(`acs:ots:<region>:<account-id>:instance/<instance>/table/${vars.tablestoreTable}`));
  });

  test('producers and table admin reach exactly the queue, function and table of s.yaml', () => {
    const producer = resources(load('producer-policy.json'));
    assert.ok(producer.includes(`acs:mns:<region>:<account-id>:/queues/${vars.jobsQueue}/messages`));
    assert.ok(producer.includes(`acs:fc:<region>:<account-id>:functions/${vars.uploaderFunctionName}`));
    const admin = load('table-admin-policy.json');
    assert.deepEqual(actions(admin), ['ots:CreateIndex', 'ots:CreateTable', 'ots:DescribeTable']);
    const table = `acs:ots:<region>:<account-id>:instance/<instance>/table/${vars.tablestoreTable}`;
    // The status index (lib/store/status-index.ts) is a table of its own: <table>_by_status.
    assert.deepEqual(resources(admin), [table, `${table}_by_status`]);
  });

  test('operators (npm run results, npm run smoke) read records and index, and remove only smoke probes', () => {
    const operator = load('operator-policy.json');
    assert.deepEqual(actions(operator), ['oss:DeleteObject', 'oss:GetObject', 'ots:BatchGetRow', 'ots:GetRange', 'ots:GetRow']);
    const table = `acs:ots:<region>:<account-id>:instance/<instance>/table/${vars.tablestoreTable}`;
    assert.deepEqual(resources(operator), [table, `${table}_by_status`, 'acs:oss:*:<account-id>:<bucket>/smoke/*']);
  });

  test('every function logs to the logstore the policies allow', () => {
    for (const name of ['callback', 'ticket', 'uploader']) {
      assert.equal(sYaml.resources[name].props.logConfig.logstore, '${vars.logstore}', name);
    }
  });
});
