/**
 * Entry of the callback function on FC's custom runtime (`custom.debian10`, started as
 * `/var/fc/lang/nodejs20/bin/node /code/server.js`, see s.yaml): serves the same handler
 * as the built-in runtime over HTTP on FC_CUSTOM_LISTEN_PORT (FC's default 9000), on all
 * interfaces as FC requires (custom-runtime.ts cites the documents). CALLBACK_LISTEN_HOST
 * narrows the interface for local runs (the local stack sets 127.0.0.1).
 */
import type { FcHttpResponse } from '../../lib/fc';
import { handler } from './index';
import { callbackServer, DEFAULT_PORT } from './custom-runtime';

const port = Number(process.env.FC_CUSTOM_LISTEN_PORT) || DEFAULT_PORT;
const host = process.env.CALLBACK_LISTEN_HOST || '0.0.0.0';
// The handler is async (functions/callback/index.ts); the callback argument is never used.
const server = callbackServer((event, context) => handler(event, context, () => undefined) as Promise<FcHttpResponse>);
server.listen(port, host);
// FC stops an instance with SIGTERM; requests in flight finish first, idle connections close.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
