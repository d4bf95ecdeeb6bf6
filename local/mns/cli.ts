/**
 * Runs the MNS emulator on its own until Ctrl-C.
 *
 * Usage: tsx local/mns/cli.ts [--port N] [--host H] [--queue NAME]... [--visibility-timeout S]
 * Prints the endpoint, account and key id the emulator accepts.
 */
import { parseArgs } from 'node:util';
import MNSClient from '@alicloud/mns';
import { startMnsEmulator } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    queue: { type: 'string', multiple: true, default: [] },
    'visibility-timeout': { type: 'string', default: '30' },
  },
});

const mns = await startMnsEmulator({ port: Number(values.port), host: values.host });
const client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
for (const name of values.queue) await client.createQueue(name, { VisibilityTimeout: Number(values['visibility-timeout']) });

console.log(`MNS emulator on ${mns.url}`);
console.log(`  accountId=${mns.accountId} region=${mns.region}`);
console.log(`  accessKeyId=${mns.accessKeyId} (accessKeySecret: the emulator's built-in local value, see local/mns/README.md)`);
if (values.queue.length > 0) console.log(`  queues: ${values.queue.join(', ')}`);

const stop = (): void => {
  void mns.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
