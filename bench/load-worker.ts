import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import type { LoadConfig, LoadResult } from './load.ts';

/**
 * The load generator, run in its own process (`node --import ./bench/typescript-loader.mjs
 * bench/load-worker.ts <config.json>`) so it does not share an event loop with
 * the bench or the server. Prints one JSON LoadResult on stdout.
 *
 * Latencies are recorded here from autocannon's 'response' event (send to
 * response, fractional ms, 2xx only). autocannon's own histogram has 1 ms
 * resolution and, with a rate limit, adds coordinated-omission samples for a
 * 1 ms expected interval, so its percentiles are not used.
 */

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;

function request(): autocannon.Request {
  let index = 0;
  if (config.bodies) {
    const bodies = config.bodies;
    return {
      method: 'POST',
      path: config.path,
      setupRequest: (params) => {
        params.body = bodies[index++ % bodies.length]!;
        return params;
      },
    };
  }
  const paths = config.paths ?? [config.path];
  return {
    method: 'GET',
    setupRequest: (params) => {
      params.path = paths[index++ % paths.length]!;
      return params;
    },
  };
}

function run(seconds: number, record: boolean): Promise<{ result: autocannon.Result; latencies: Float64Array; count: number }> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: config.baseUrl,
        connections: config.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
        ...(config.overallRate ? { overallRate: config.overallRate } : {}),
        headers: config.headers,
        requests: [request()],
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies: latencies.subarray(0, count), count })),
    );
    if (!record) return;
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

if (config.warmupSeconds > 0) await run(config.warmupSeconds, false);
const { result, latencies } = await run(config.seconds, true);
const sorted = latencies.slice().sort();
const output: LoadResult = {
  seconds: result.duration,
  ok: result['2xx'],
  okPerSecond: result['2xx'] / result.duration,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  p50Ms: percentile(sorted, 0.5),
  p99Ms: percentile(sorted, 0.99),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
