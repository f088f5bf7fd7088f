import { setFlagsFromString } from 'node:v8';

/**
 * The V8 settings `serve` runs with, beside `npm start`'s `--max-semi-space-size=32`
 * (docs/production.md). Set at run time, so every way of starting the server has
 * them: `NODE_OPTIONS` does not accept this flag.
 *
 * Allocation-site pretenuring off: V8 allocates an object literal straight in the
 * old generation once nearly every object from that spot in the code was found
 * alive by one scavenge. In a server that happens whenever a burst of requests
 * waits on one fsync, and the decision then holds for every later request: their
 * objects, dead within milliseconds, fill the old generation, which only a full
 * collection empties. Measured at 2,000 debits/s paced (bench/README.md, section 2):
 * 1.2–1.6 MB promoted per scavenge and a full collection every 2 to 3 s with it,
 * 0.44 MB and none in 12 s without.
 */
export const SERVE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

export function tuneGarbageCollector(): void {
  for (const flag of SERVE_V8_FLAGS) setFlagsFromString(flag);
}
