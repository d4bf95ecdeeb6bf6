/**
 * `npm run emulator:mns -- [--port <p>] [--host <h>] [--queue <name>]…
 * [--visibility-timeout <s>]`: runs the MNS emulator until SIGINT or SIGTERM, after
 * creating the named queues. Prints the endpoint, account and key id it accepts; the
 * first line is `MNS emulator on http://127.0.0.1:<p>`. Bad flags exit 2.
 */
import MNSClient from '@alicloud/mns';
import { runEmulatorCli } from '../serve';
import { parseArgs, USAGE, type MnsCliOptions } from './cli-args';
import { startMnsEmulator, type MnsEmulator } from './index';

async function start(options: MnsCliOptions): Promise<MnsEmulator & { queues: string[] }> {
  const mns = await startMnsEmulator({ port: options.port, host: options.host });
  try {
    const client = new MNSClient(mns.accountId, { endpoint: mns.url, accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret });
    for (const name of options.queues) await client.createQueue(name, { VisibilityTimeout: options.visibilityTimeout });
  } catch (error) {
    await mns.close();
    throw error;
  }
  return { ...mns, queues: options.queues };
}

void runEmulatorCli({
  name: 'emulator:mns',
  usage: USAGE,
  parse: parseArgs,
  start,
  readyLines: (mns) => [
    `MNS emulator on ${mns.url}`,
    `  accountId=${mns.accountId} region=${mns.region}`,
    `  accessKeyId=${mns.accessKeyId} (accessKeySecret: the emulator's built-in local value, see local/mns/README.md)`,
    ...(mns.queues.length > 0 ? [`  queues: ${mns.queues.join(', ')}`] : []),
  ],
});
