// `npx tsx scripts/ensure-table.ts`: creates the job-results table in Tablestore unless it
// exists (primary key pk_hash, job_id; DESIGN.md section 4). Safe to run again.
// Reads TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE, TABLESTORE_TABLE (default upload_results)
// and ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN) from the environment.
// The instance itself is created in the Tablestore console (docs/deploy.md).
import { ConfigError, storeConfigFromEnv } from '../lib/store/config';
import { RecordStore, StoreError } from '../lib/store/store';

const USAGE = `Usage: npx tsx scripts/ensure-table.ts

Creates the results table unless it exists, and checks its primary key if it does.
Environment:
  TABLESTORE_ENDPOINT   e.g. https://myinstance.cn-hangzhou.ots.aliyuncs.com
  TABLESTORE_INSTANCE   e.g. myinstance
  TABLESTORE_TABLE      optional, default upload_results
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
                        a key allowed ots:CreateTable and ots:DescribeTable on it
  ALIBABA_CLOUD_SECURITY_TOKEN   only with temporary (STS) credentials`;

// Creating a table takes longer than the row operations the store's default deadline
// (sized for the callback's 5 s window) is meant for.
const CREATE_DEADLINE_MS = 30_000;

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let store: RecordStore;
  try {
    store = new RecordStore({ ...storeConfigFromEnv(process.env), timeoutMs: CREATE_DEADLINE_MS });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
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

process.exitCode = await main(process.argv.slice(2));
