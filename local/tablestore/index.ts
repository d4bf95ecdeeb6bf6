/**
 * A local, protocol-faithful Tablestore: the real `tablestore` SDK talks to it unchanged.
 *
 * @example
 * const emu = await startTablestoreEmulator();
 * const client = new TableStore.Client({
 *   accessKeyId: emu.accessKeyId, secretAccessKey: emu.accessKeySecret,
 *   endpoint: emu.url, instancename: emu.instance, maxRetries: 0,
 * });
 * // … later
 * await emu.close();
 */
import { createServer } from 'node:http';
import { FaultInjector } from '../faults';
import { Database } from './engine/database';
import { openJournal } from './engine/journal';
import { createHandlers } from './protocol/handlers';
import { CapacityMeter } from './protocol/capacity';
import { createRequestListener } from './server';
import { closeServer, listen, serverUrl } from '../serve';

export interface TablestoreEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Directory that keeps the data across restarts; omitted, data lives in memory. */
  dataDir?: string;
  /** Instance name clients must send (default `local`). */
  instance?: string;
  /** Access key the emulator accepts (default `local-access-key-id`). */
  accessKeyId?: string;
  /** Secret of that key (default `local-access-key-secret`). */
  accessKeySecret?: string;
}

export interface TablestoreEmulator {
  /** `http://host:port`, the SDK's `endpoint`. */
  url: string;
  instance: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Fault injection; operation names are the API's (`PutRow`, `UpdateRow`, `GetRow`, …). */
  faults: FaultInjector;
  /** Requests received so far, by operation name (`UpdateRow`: 3), faulted ones included. */
  requestCounts(): Record<string, number>;
  /** Capacity units consumed so far, as the service meters them (protocol/capacity.ts). */
  capacityUnits(): { read: number; write: number };
  /** Clears the request counts and the capacity units. */
  resetRequestCounts(): void;
  close(): Promise<void>;
}

export const DEFAULT_INSTANCE = 'local';
export const DEFAULT_ACCESS_KEY_ID = 'local-access-key-id';
export const DEFAULT_ACCESS_KEY_SECRET = 'local-access-key-secret';

/** Starts the emulator and resolves once it listens. */
export async function startTablestoreEmulator(options: TablestoreEmulatorOptions = {}): Promise<TablestoreEmulator> {
  const host = options.host ?? '127.0.0.1';
  const credentials = {
    instance: options.instance ?? DEFAULT_INSTANCE,
    accessKeyId: options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: options.accessKeySecret ?? DEFAULT_ACCESS_KEY_SECRET,
  };
  const journal = options.dataDir !== undefined ? openJournal(options.dataDir) : undefined;
  const db = new Database(journal ? (change) => journal.append(change) : undefined);
  journal?.load(db);
  const faults = new FaultInjector();
  const requestCounts = new Map<string, number>();
  const meter = new CapacityMeter();
  const server = createServer(createRequestListener({ credentials, faults, handlers: createHandlers(db, { meter, faults }), requestCounts }));
  server.keepAliveTimeout = 5000;

  const port = await listen(server, options.port ?? 0, host);
  return {
    url: serverUrl(host, port),
    ...credentials,
    faults,
    requestCounts: () => Object.fromEntries(requestCounts),
    capacityUnits: () => ({ read: meter.read, write: meter.write }),
    resetRequestCounts: () => {
      requestCounts.clear();
      meter.reset();
    },
    close: () => closeServer(server),
  };
}
