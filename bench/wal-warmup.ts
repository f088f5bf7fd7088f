import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runPacedLoad } from './load.ts';

/** Seconds in a row, of 1-second rounds of load, that the WAL file must keep its size before it counts as settled. */
export const STEADY_SECONDS = 3;

/**
 * Debits, paced at `rate`, against a freshly started creditbook server until its WAL file has kept its size for
 * STEADY_SECONDS (at most `limitSeconds`); returns the seconds it took, or undefined at the limit.
 *
 * While the file grows every commit extends it, and its fdatasync then also commits the file's new size. After
 * start-up that lasts until the file is as large as a whole cycle of the log needs (the store starts it over at
 * its limit, or SQLite does once the checkpointer catches up; the file keeps its size from one cycle to the next):
 * at 2,000 debits/s here, 36 MB after 1 s and 84 MB after 3 s, then a few MB more in the next 10 s. In that phase
 * the first paced round had a p99 about twice the later rounds' (2026-12-07: 12.4–17.3 ms against 5–7 ms, four
 * runs; with 8 s of paced debits first, 5.6 and 6.4 ms). A server that has written for a few seconds is past it for
 * as long as it runs, so the HTTP figures are measured there, as figure 1's in-process ones are.
 */
export async function warmWal(options: {
  baseUrl: string;
  walPath: string;
  bodies: string[];
  headers: Record<string, string>;
  rate: number;
  limitSeconds: number;
  directory: string;
}): Promise<number | undefined> {
  const startedAt = performance.now();
  const size = () => (existsSync(options.walPath) ? statSync(options.walPath).size : 0);
  const target = { baseUrl: options.baseUrl, paths: ['/v1/debits'], bodies: options.bodies, headers: options.headers };
  let steadySeconds = 0;
  while (steadySeconds < STEADY_SECONDS) {
    if (performance.now() - startedAt > options.limitSeconds * 1000) return undefined;
    const before = size();
    await runPacedLoad({ rate: options.rate, seconds: 1, rounds: 1, warmupSeconds: 0, targets: [target] }, options.directory);
    steadySeconds = size() === before ? steadySeconds + 1 : 0;
  }
  return (performance.now() - startedAt) / 1000;
}
