/**
 * A local MNS (Simple Message Queue) that `@alicloud/mns` talks to as it talks to the
 * cloud: point the client's documented `endpoint` option at `url`.
 *
 * @example
 * const mns = await startMnsEmulator();
 * const client = new MNSClient(mns.accountId, {
 *   endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret,
 * });
 * await client.createQueue('jobs');
 * await client.sendMessage('jobs', { MessageBody: 'hello' });
 * await mns.close();
 */
import { createServer, type Server } from 'node:http';
import { FaultInjector } from '../faults';
import { MnsAccount } from './operations';
import { handleMnsRequest } from './server';
import { closeServer, listen, serverUrl } from '../serve';

export { MnsError } from './errors';
export { MNS_API_VERSION } from './server';

export interface MnsEmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Account id the emulator reports (default '1234567890123456'). */
  accountId?: string;
  /** Region the emulator reports (default 'cn-hangzhou'). */
  region?: string;
  /** Credentials it accepts (defaults: a fixed local-only pair). */
  accessKeyId?: string;
  accessKeySecret?: string;
}

/** Message counts of one queue, by state. */
export interface MnsQueueStats {
  /** Active: can be received now. */
  visible: number;
  /** Inactive: received, within the visibility timeout. */
  inflight: number;
  /** Delayed: sent with a delay that has not passed yet. */
  delayed: number;
}

/** A running emulator. */
export interface MnsEmulator {
  /** `http://host:port`, for the client's `endpoint` option. */
  url: string;
  accountId: string;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Make the next requests of an operation fail, stall or drop (operation names: `SendMessage`, `BatchReceiveMessage`, …). */
  faults: FaultInjector;
  /** Message counts of a queue; throws MnsError QueueNotExist when there is none. */
  queueStats(name: string): MnsQueueStats;
  /** Names of the existing queues. */
  queueNames(): string[];
  /** Requests received so far, by operation name (`BatchReceiveMessage`: 3), faulted ones included; what MNS bills per request. */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  /** Ends pending long polls and stops listening. */
  close(): Promise<void>;
}

/** Starts an MNS emulator on a free loopback port (unless told otherwise). */
export async function startMnsEmulator(options: MnsEmulatorOptions = {}): Promise<MnsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const accountId = options.accountId ?? '1234567890123456';
  const region = options.region ?? 'cn-hangzhou';
  const credentials = {
    accessKeyId: options.accessKeyId ?? 'LTAI-local-mns',
    accessKeySecret: options.accessKeySecret ?? 'local-mns-secret',
  };
  const faults = new FaultInjector();
  const inProgress = new Set<AbortController>();
  let url = '';
  const account = new MnsAccount((name) => `${url}/queues/${name}`);
  const requestCounts = new Map<string, number>();
  const ctx = { account, credentials, faults, inProgress, requestCounts };

  const server: Server = createServer((req, res) => {
    void handleMnsRequest(ctx, req, res);
  });
  // @alicloud/mns keeps idle sockets in one process-wide agent and reuses them without a
  // retry; Node's default 5 s server keep-alive closed them under it (ECONNRESET on the
  // next send). Long-lived keep-alive, as a cloud endpoint behind a load balancer has.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = await listen(server, options.port ?? 0, host);
  url = serverUrl(host, port);

  return {
    url,
    accountId,
    region,
    ...credentials,
    faults,
    queueStats: (name) => account.queue(name).counts(Date.now()),
    queueNames: () => account.names(),
    requestCounts: () => Object.fromEntries(requestCounts),
    resetRequestCounts: () => requestCounts.clear(),
    close: async () => {
      for (const request of inProgress) request.abort();
      account.closeAll();
      await closeServer(server);
    },
  };
}
