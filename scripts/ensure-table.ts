// `npx tsx scripts/ensure-table.ts`: creates the job-results table in Tablestore unless it
// exists (primary key pk_hash, job_id), with its status index (lib/store/status-index.ts),
// and adds the index to a table that lacks it. Safe to run again.
// Every missing setting is listed at once; nothing is contacted until all are there.
// The instance itself is created in the Tablestore console (docs/deploy.md).
import { TablestoreClient } from '../lib/store/client';
import { RecordStore, StoreError } from '../lib/store/store';
import { ensureStatusIndex, statusIndexName } from '../lib/store/status-index';
import { parseCommandLine, readCommandLine } from '../tools/cli';
import { SettingsError } from '../tools/settings-error';
import { toolStoreConfig } from '../tools/store-settings';

const USAGE = `Usage: npx tsx scripts/ensure-table.ts

Creates the results table and its status index unless they exist, checks the table's
primary key if it does, and adds the index to a table created without it.
Environment:
  TABLESTORE_ENDPOINT   e.g. https://myinstance.cn-hangzhou.ots.aliyuncs.com
  TABLESTORE_INSTANCE   e.g. myinstance
  TABLESTORE_TABLE      optional, default upload_results
Credentials (a key allowed deploy/ram/table-admin-policy.json): the Alibaba Cloud SDKs'
default chain, first found wins: ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN); OIDC
(ALIBABA_CLOUD_ROLE_ARN, …); ~/.aliyun/config.json; ~/.alibabacloud/credentials; the ECS
instance's RAM role; ALIBABA_CLOUD_CREDENTIALS_URI. ALIBABA_CLOUD_PROFILE picks a profile.

Exit status: 0 done; 1 Tablestore refused or failed; 2 settings missing or malformed.`;

// Creating a table takes longer than the row operations the store's default deadline
// (sized for the callback's 5 s window) is meant for.
const CREATE_DEADLINE_MS = 30_000;

async function main(): Promise<number> {
  readCommandLine({ name: 'ensure-table', usage: USAGE, parse: (argv) => parseCommandLine(argv, {}, () => undefined) });
  let config;
  try {
    const found = await toolStoreConfig(process.env);
    console.error(`using credentials from ${found.credentialsSource}`);
    config = { ...found.config, timeoutMs: CREATE_DEADLINE_MS };
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(`ensure-table: settings are missing or wrong (nothing was contacted):\n${err.problems.map((p) => `  ${p}`).join('\n')}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const store = new RecordStore(config);
  const client = new TablestoreClient(config);
  try {
    const table = await store.ensureTable();
    // A table created just now comes with its index; one that existed may predate it.
    const index = await ensureStatusIndex(client, store.table, Date.now() + CREATE_DEADLINE_MS);
    const name = statusIndexName(store.table);
    if (table === 'created') console.log(`created table ${store.table} and its index ${name}`);
    else console.log(`table ${store.table} already exists with the expected key; ${index === 'created' ? `created index ${name}` : `index ${name} exists`}`);
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      console.error(`ensure-table: could not ensure table ${store.table}: ${err.reason}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    store.close();
    client.close();
  }
}

const code = await main();
// After a failed credential look-up a source that never answered may still hold a socket
// open until its own timeout: leave now rather than wait for it.
if (code === 2) process.exit(code);
process.exitCode = code;
