import { performance } from 'node:perf_hooks';

export interface Throughput {
  operations: number;
  seconds: number;
  perSecond: number;
}

function throughput(operations: number, startedAt: number): Throughput {
  const seconds = (performance.now() - startedAt) / 1000;
  return { operations, seconds, perSecond: operations / seconds };
}

/** Runs `operation(i)` strictly one after another (awaiting each) for `seconds`. */
export async function measureSequential(operation: (index: number) => Promise<unknown>, seconds: number, firstIndex = 0): Promise<Throughput> {
  const startedAt = performance.now();
  const endAt = startedAt + seconds * 1000;
  let count = 0;
  while (performance.now() < endAt) {
    await operation(firstIndex + count);
    count += 1;
  }
  return throughput(count, startedAt);
}

/** Keeps `inFlight` calls of `operation` running at once for `seconds`; counts completions. */
export async function measureConcurrent(
  operation: (index: number) => Promise<unknown>,
  options: { inFlight: number; seconds: number; firstIndex?: number },
): Promise<Throughput> {
  const startedAt = performance.now();
  const endAt = startedAt + options.seconds * 1000;
  let next = options.firstIndex ?? 0;
  let completed = 0;
  const lane = async () => {
    while (performance.now() < endAt) {
      await operation(next++);
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, lane));
  return throughput(completed, startedAt);
}

/** Runs a synchronous `step` (which does `step(i)` operations and returns how many) until `seconds` pass. */
export function measureSynchronous(step: (index: number) => number, seconds: number, firstIndex = 0): Throughput {
  const startedAt = performance.now();
  const endAt = startedAt + seconds * 1000;
  let count = 0;
  while (performance.now() < endAt) count += step(firstIndex + count);
  return throughput(count, startedAt);
}

/** Runs `work(i)` for i in [0, total) with at most `concurrency` at once. */
export async function runPool(total: number, concurrency: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}
