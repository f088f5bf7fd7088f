import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppLedger } from './app-ledger.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, plainLine, progress } from './format.ts';
import { measureConcurrent, measureSequential, measureSynchronous, type Throughput } from './measure.ts';
import { verifyDatabase } from './processes.ts';
import { RawLedger } from './raw-ledger.ts';

export interface InProcessOptions {
  seconds: number;
  warmupSeconds: number;
  /** Concurrent createDebit calls for the batched figure (the store's group commit takes up to 256 per transaction). */
  inFlight: number;
  /** Debits per transaction in the batched raw baseline. */
  rawBatchSize: number;
  /** At most this long one debit at a time before the warm-up, until creditbook's WAL first reaches its limit. */
  walWarmupLimitSeconds: number;
}

/** Figure 1: debits/s through the app layer vs a raw better-sqlite3 script, one per transaction and batched. */
export async function runInProcessBench(options: InProcessOptions): Promise<string[]> {
  const directory = makeTempDirectory('creditbook-bench-inproc-');
  let app: AppLedger | undefined;
  let raw: RawLedger | undefined;
  try {
    progress('in-process: seeding 100 wallets x 5 grants for creditbook and for the raw baseline');
    const databasePath = join(directory, 'creditbook.db');
    app = await AppLedger.open(databasePath);
    raw = new RawLedger(join(directory, 'raw.db'));
    const appLedger = app;
    const rawLedger = raw;
    let appIndex = 0;
    let rawIndex = 0;
    const appSequential = async (seconds: number): Promise<Throughput> => {
      const result = await measureSequential((index) => appLedger.debit(index), seconds, appIndex);
      appIndex += result.operations;
      return result;
    };
    const rawSequential = (seconds: number): Throughput => {
      const result = measureSynchronous((index) => rawLedger.debitOne(index), seconds, rawIndex);
      rawIndex += result.operations;
      return result;
    };
    const appBatched = async (seconds: number): Promise<Throughput> => {
      const result = await measureConcurrent((index) => appLedger.debit(index), { inFlight: options.inFlight, seconds, firstIndex: appIndex });
      appIndex += result.operations + options.inFlight;
      return result;
    };
    const rawBatched = (seconds: number): Throughput => {
      const result = measureSynchronous((index) => rawLedger.debitBatch(index, options.rawBatchSize), seconds, rawIndex);
      rawIndex += result.operations;
      return result;
    };

    progress(`in-process: one debit per transaction, ${options.seconds} s each (after warm-up)`);
    // Until creditbook's WAL first reaches its limit, every commit extends the -wal file, and each fsync then also
    // writes file-system metadata: commits are about 40% slower. A running server is past that point; measure there.
    const warmupStartedAt = performance.now();
    while (app.walRestarts() === 0 && performance.now() - warmupStartedAt < options.walWarmupLimitSeconds * 1000) await appSequential(0.25);
    progress(`in-process: creditbook's WAL reached its limit after ${((performance.now() - warmupStartedAt) / 1000).toFixed(1)} s of debits`);
    await appSequential(options.warmupSeconds);
    const oursSequential = await appSequential(options.seconds);
    rawSequential(options.warmupSeconds);
    const baselineSequential = rawSequential(options.seconds);

    progress(`in-process: batched (${options.inFlight} createDebit in flight vs ${options.rawBatchSize} debits per raw transaction)`);
    await appBatched(options.warmupSeconds);
    const oursBatched = await appBatched(options.seconds);
    rawBatched(options.warmupSeconds);
    const baselineBatched = rawBatched(options.seconds);

    await app.close();
    app = undefined;
    return [
      figureLine({
        label: 'in-process debits/s, 1 per transaction',
        ours: oursSequential.perSecond,
        baselineName: 'raw better-sqlite3',
        baseline: baselineSequential.perSecond,
        format: formatCount,
      }),
      figureLine({
        label: `in-process debits/s, batched (${options.inFlight} in flight)`,
        ours: oursBatched.perSecond,
        baselineName: 'raw better-sqlite3',
        baseline: baselineBatched.perSecond,
        format: formatCount,
        note: `(baseline: ${options.rawBatchSize} per transaction)`,
      }),
      plainLine('verify after the in-process debits', verifyDatabase(databasePath)),
    ];
  } finally {
    await app?.close();
    raw?.close();
    removeTempDirectory(directory);
  }
}
