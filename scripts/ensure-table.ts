// `npx tsx scripts/ensure-table.ts`: creates the job-results table in Tablestore unless it
// exists (primary key pk_hash, job_id; DESIGN.md section 4). Safe to run again.
// Reads TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE, TABLESTORE_TABLE (default upload_results)
// from the environment, and finds credentials with the SDKs' default chain
// (scripts/lib/credentials.ts). The instance itself is created in the Tablestore console
// (docs/deploy.md).
import { ConfigError, storeLocationFromEnv } from '../lib/store/config';
import { RecordStore, StoreError } from '../lib/store/store';
import { CredentialsError, resolveCredentials } from './lib/credentials';

const USAGE = `Usage: npx tsx scripts/ensure-table.ts

Creates the results table unless it exists, and checks its primary key if it does.
Environment:
  TABLESTORE_ENDPOINT   e.g. https://myinstance.cn-hangzhou.ots.aliyuncs.com
  TABLESTORE_INSTANCE   e.g. myinstance
  TABLESTORE_TABLE      optional, default upload_results
Credentials (a key allowed ots:CreateTable and ots:DescribeTable on the table): the
Alibaba Cloud SDKs' default chain, first found wins: ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN); OIDC
(ALIBABA_CLOUD_ROLE_ARN, …); ~/.aliyun/config.json; ~/.alibabacloud/credentials; the ECS
instance's RAM role; ALIBABA_CLOUD_CREDENTIALS_URI. ALIBABA_CLOUD_PROFILE picks a profile.`;

// Creating a table takes longer than the row operations the store's default deadline
// (sized for the callback's 5 s window) is meant for.
const CREATE_DEADLINE_MS = 30_000;

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let location;
  try {
    // Settings first: a missing one is reported without contacting anything.
    location = storeLocationFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  let resolved;
  try {
    resolved = await resolveCredentials();
  } catch (err) {
    if (err instanceof CredentialsError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  console.error(`using credentials from ${resolved.source}`);
  const store = new RecordStore({ ...location, credentials: resolved.credentials, timeoutMs: CREATE_DEADLINE_MS });
  try {
    const result = await store.ensureTable();
    console.log(result === 'created' ? `created table ${store.table}` : `table ${store.table} already exists with the expected key`);
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      console.error(`could not ensure table ${store.table}: ${err.reason}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    store.close();
  }
}

const code = await main(process.argv.slice(2));
// After a failed credential look-up a source that never answered may still hold a socket
// open until its own timeout: leave now rather than wait for it.
if (code === 2) process.exit(code);
process.exitCode = code;
