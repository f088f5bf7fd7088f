import http from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LoadResult, PacedLoadConfig } from './load.ts';
import { cpuMsOf } from './process-cpu.ts';

/**
 * An open-loop load generator, run in its own process (`node --import ./bench/typescript-loader.mjs
 * bench/paced-load-worker.ts <config.json>`). Requests (GETs of `paths`, or
 * POSTs of `bodies` to `paths[0]`) are scheduled at evenly spaced instants
 * (`rate` per second), whether or not earlier ones have been answered, over
 * keep-alive connections opened as needed. autocannon's `overallRate` sends a
 * burst per connection at the start of each second; this offers the rate
 * smoothly, which is what "p99 at 2,000 offered/s" means. The targets take
 * turns, `rounds` times.
 *
 * Latency runs from a request's scheduled send time (not the moment this
 * process got round to sending it, so a late send counts as queueing) to its
 * last response byte, 2xx only. With a target's `pid`, the server's CPU time
 * (user + system, all threads, from /proc/<pid>/stat) over the measured runs is
 * divided by the requests answered. Prints one JSON array of LoadResult (one
 * per target, all rounds together) on stdout.
 */

type Target = PacedLoadConfig['targets'][number];

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as PacedLoadConfig;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Tally {
  latencies: number[];
  non2xx: number;
  errors: number;
  seconds: number;
  cpuMs: number;
  roundP99Ms: number[];
  roundCpuUsPerRequest: number[];
}

function send(target: Target, url: URL, index: number, scheduledAt: number, tally: Tally | undefined): Promise<void> {
  const body = target.bodies ? target.bodies[index % target.bodies.length]! : undefined;
  const path = body === undefined ? target.paths[index % target.paths.length]! : target.paths[0]!;
  return new Promise((resolve) => {
    const options = { agent, hostname: url.hostname, port: url.port, path, method: body === undefined ? 'GET' : 'POST', headers: target.headers, timeout: 10_000 };
    const request = http.request(options, (response) => {
      response.on('data', () => {});
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (tally) {
          if (status >= 200 && status < 300) tally.latencies.push(performance.now() - scheduledAt);
          else tally.non2xx += 1;
        }
        resolve();
      });
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => {
      if (tally) tally.errors += 1;
      resolve();
    });
    request.end(body);
  });
}

/** Offers `rate`/s to one target for `seconds`; records into `tally` unless warming up. */
async function run(target: Target, seconds: number, tally: Tally | undefined): Promise<void> {
  const url = new URL(target.baseUrl);
  const total = Math.round(config.rate * seconds);
  const interval = 1000 / config.rate;
  const cpuBefore = tally && target.pid ? cpuMsOf(target.pid) : 0;
  const startedAt = performance.now();
  const pending: Array<Promise<void>> = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / interval) + 1);
      while (sent < due) {
        pending.push(send(target, url, sent, startedAt + sent * interval, tally));
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, startedAt + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  if (tally) {
    tally.seconds += (performance.now() - startedAt) / 1000;
    if (target.pid) tally.cpuMs += cpuMsOf(target.pid) - cpuBefore;
  }
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

const tallies: Tally[] = config.targets.map(() => ({ latencies: [], non2xx: 0, errors: 0, seconds: 0, cpuMs: 0, roundP99Ms: [], roundCpuUsPerRequest: [] }));
if (config.warmupSeconds > 0) for (const target of config.targets) await run(target, config.warmupSeconds, undefined);
for (let round = 0; round < config.rounds; round += 1) {
  for (const [index, target] of config.targets.entries()) {
    const tally = tallies[index]!;
    const before = tally.latencies.length;
    const requestsBefore = before + tally.non2xx;
    const cpuMsBefore = tally.cpuMs;
    await run(target, config.seconds, tally);
    tally.roundP99Ms.push(percentile(tally.latencies.slice(before).sort((left, right) => left - right), 0.99));
    const requests = tally.latencies.length + tally.non2xx - requestsBefore;
    if (target.pid) tally.roundCpuUsPerRequest.push(((tally.cpuMs - cpuMsBefore) * 1000) / Math.max(1, requests));
  }
}
const results: LoadResult[] = tallies.map((tally) => {
  const sorted = tally.latencies.sort((left, right) => left - right);
  return {
    seconds: tally.seconds,
    ok: sorted.length,
    okPerSecond: sorted.length / tally.seconds,
    non2xx: tally.non2xx,
    errors: tally.errors,
    timeouts: 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ...(tally.cpuMs > 0 ? { cpuUsPerRequest: (tally.cpuMs * 1000) / Math.max(1, sorted.length + tally.non2xx) } : {}),
    roundP99Ms: tally.roundP99Ms,
    ...(tally.roundCpuUsPerRequest.length > 0 ? { roundCpuUsPerRequest: tally.roundCpuUsPerRequest } : {}),
  };
});
agent.destroy();
process.stdout.write(`${JSON.stringify(results)}\n`);
