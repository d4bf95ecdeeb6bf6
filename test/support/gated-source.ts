/**
 * A url source that answers only when the test says so: each request is counted, and its
 * answer waits until `release()`. A test learns that an uploader invocation has claimed a
 * job (the claim comes before the source is opened) from `arrived(n)`, and decides when
 * the upload may go on — no timing guesses.
 */
import http from 'node:http';
import { closeServer, listen } from '../../local/serve';

export interface GatedSource {
  /** `http://127.0.0.1:<port>`; any path serves `body`. */
  url: string;
  /** Resolves once `n` requests have arrived in all. */
  arrived(n?: number): Promise<void>;
  /** Answers every waiting request, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a gated source that serves `body` as text/plain. */
export async function startGatedSource(body: string): Promise<GatedSource> {
  let count = 0;
  let released = false;
  const waiting: http.ServerResponse[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  const answer = (res: http.ServerResponse) => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
  const server = http.createServer((req, res) => {
    req.resume();
    count += 1;
    for (const w of watchers.filter((w) => count >= w.n)) w.resolve();
    if (released) answer(res);
    else waiting.push(res);
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    arrived: (n = 1) => (count >= n ? Promise.resolve() : new Promise((resolve) => watchers.push({ n, resolve }))),
    release: () => {
      released = true;
      for (const res of waiting.splice(0)) answer(res);
    },
    close: () => {
      for (const res of waiting.splice(0)) res.destroy();
      return closeServer(server);
    },
  };
}
