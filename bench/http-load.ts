/**
 * A closed-loop HTTP load generator for the benchmarks: `concurrency` workers, each
 * sending its next prepared request as soon as the previous one is answered, over
 * keep-alive connections, timing every request.
 */
import http from 'node:http';

/** A request ready to send (built and signed before the clock starts). */
export interface PreparedRequest {
  method: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface LoadResult {
  /** Wall time from the first request sent to the last answer read. */
  elapsedMs: number;
  /** Latency of each request, in the order they finished. */
  latenciesMs: number[];
  /** Answers per HTTP status. */
  statuses: Record<number, number>;
  /** Requests per second. */
  rate: number;
}

function send(agent: http.Agent, base: URL, req: PreparedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: base.hostname, port: base.port, method: req.method, path: req.path, headers: { ...req.headers, 'content-length': String(req.body.length) } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });
}

/**
 * Sends every request at `concurrency` at once and reports rate and latencies.
 *
 * @example
 * const result = await runHttpLoad('http://127.0.0.1:9000', requests, 16);
 * console.log(result.rate, percentile(result.latenciesMs, 99));
 */
export async function runHttpLoad(baseUrl: string, requests: readonly PreparedRequest[], concurrency: number): Promise<LoadResult> {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++]!;
      const started = process.hrtime.bigint();
      const status = await send(agent, base, req);
      latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const started = process.hrtime.bigint();
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  } finally {
    agent.destroy();
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { elapsedMs, latenciesMs, statuses, rate: requests.length / (elapsedMs / 1000) };
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
