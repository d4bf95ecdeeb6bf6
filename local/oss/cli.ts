/**
 * `npm run emulator:oss -- [--port <p>] [--data-dir <dir>] [--access-key-id <id>]
 * [--access-key-secret <s>] [--region <r>] [--allow-v1]`: runs the OSS emulator until
 * SIGINT or SIGTERM. When ready it prints the signatures it takes, the callback public-key
 * URL prefix (for CALLBACK_PUBKEY_URL_PREFIXES), then exactly one line
 * `OSS emulator listening on http://127.0.0.1:<p>`. Bad flags exit 2.
 */
import { runEmulatorCli } from '../serve';
import { parseArgs, USAGE } from './cli-args';
import { startOssEmulator } from './index';

void runEmulatorCli({
  name: 'emulator:oss',
  usage: USAGE,
  parse: parseArgs,
  start: startOssEmulator,
  readyLines: (e) => [
    `Signatures: V4 scoped to region ${e.region}${e.allowV1 ? ', and V1' : ' (V1 refused; --allow-v1 takes it)'}`,
    `Callback public key URL prefix: ${e.publicKeyUrlPrefix}`,
    `OSS emulator listening on ${e.url}`,
  ],
});
