// Shared set-up of the store tests: a Tablestore emulator on a free port, a store
// configured for it, and a raw SDK client for looking at what was really written.
import TableStore from 'tablestore';
import { startTablestoreEmulator } from '../../local/tablestore/index';
import type { StoreConfig } from '../../lib/store/config';
import { RecordStore } from '../../lib/store/store';

export type Emulator = Awaited<ReturnType<typeof startTablestoreEmulator>>;

export async function startEmulator(): Promise<Emulator> {
  return startTablestoreEmulator({ port: 0 });
}

export function configFor(emulator: Emulator, overrides: Partial<StoreConfig> = {}): StoreConfig {
  return {
    endpoint: emulator.url,
    instance: emulator.instance,
    table: 'upload_results',
    credentials: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
    timeoutMs: 3000,
    maxAttempts: 4,
    ...overrides,
  };
}

/** Back-off with no randomness and short steps, so retry tests are quick and repeatable. */
export const FAST_BACKOFF = { baseMs: 5, capMs: 20, random: () => 1 };

/** A store on the emulator; callers close it in after(). */
export function storeFor(emulator: Emulator, overrides: Partial<StoreConfig> = {}): RecordStore {
  return new RecordStore(configFor(emulator, overrides), { backoff: FAST_BACKOFF });
}

/** A plain SDK client, as any other code in the process might make one (default retries). */
export function rawClient(emulator: Emulator): TableStore.Client {
  return new TableStore.Client({
    endpoint: emulator.url,
    instancename: emulator.instance,
    accessKeyId: emulator.accessKeyId,
    accessKeySecret: emulator.accessKeySecret,
    httpOptions: { timeout: 5000, maxSockets: Number.POSITIVE_INFINITY },
  });
}

let counter = 0;
/** A job id no other test uses. */
export function freshJobId(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
