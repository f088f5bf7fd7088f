import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppLedger } from './app-ledger.ts';
import { makeTempDirectory, removeTempDirectory } from './cleanup.ts';
import { figureLine, formatCount, formatRatio, plainLine, progress } from './format.ts';
import { measureConcurrent, measureSequential, measureSynchronous, type Throughput } from './measure.ts';
import { verifyDatabase } from './processes.ts';
import { RawLedger } from './raw-ledger.ts';
import { timeInsideSqlite } from './sqlite-time.ts';

export interface InProcessOptions {
  /** Seconds per round; creditbook and the baseline take turns, `rounds` times each. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  /** Concurrent createDebit calls for the batched figure (the store's group commit takes up to 256 per transaction). */
  inFlight: number;
  /** Debits per transaction in the batched raw baseline. */
  rawBatchSize: number;
  /** At most this long one debit at a time before the warm-up, until creditbook's WAL first reaches its limit. */
  walWarmupLimitSeconds: number;
}

/**
 * Creditbook and its baseline in turn, `rounds` times: a slow spell of the machine (a 2-core VM's throughput moves by
 * 10-20% from one few-second run to the next) falls on both rather than on one. Each side's figure pools its rounds
 * (operations over seconds); each round's own ratio shows how far they spread.
 */
async function alternate(rounds: number, ours: () => Promise<Throughput>, baseline: () => Promise<Throughput>): Promise<{ ours: number; baseline: number; roundRatios: string }> {
  const oursRounds: Throughput[] = [];
  const baselineRounds: Throughput[] = [];
  for (let round = 0; round < rounds; round += 1) {
    oursRounds.push(await ours());
    baselineRounds.push(await baseline());
  }
  const pooled = (results: Throughput[]) => results.reduce((sum, result) => sum + result.operations, 0) / results.reduce((sum, result) => sum + result.seconds, 0);
  return {
    ours: pooled(oursRounds),
    baseline: pooled(baselineRounds),
    roundRatios: oursRounds.map((result, index) => formatRatio(result.perSecond, baselineRounds[index]!.perSecond)).join(', '),
  };
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

    progress(`in-process: one debit per transaction, ${options.rounds} x ${options.seconds} s each, in turn (after warm-up)`);
    // Until creditbook's WAL first reaches its limit, every commit extends the -wal file, and each fsync then also
    // writes file-system metadata: commits are about 40% slower. A running server is past that point; measure there.
    const warmupStartedAt = performance.now();
    while (app.walRestarts() === 0 && performance.now() - warmupStartedAt < options.walWarmupLimitSeconds * 1000) await appSequential(0.25);
    progress(`in-process: creditbook's WAL reached its limit after ${((performance.now() - warmupStartedAt) / 1000).toFixed(1)} s of debits`);
    await appSequential(options.warmupSeconds);
    rawSequential(options.warmupSeconds);
    const sequential = await alternate(options.rounds, () => appSequential(options.seconds), async () => rawSequential(options.seconds));

    progress(`in-process: batched (${options.inFlight} createDebit in flight vs ${options.rawBatchSize} debits per raw transaction), ${options.rounds} x ${options.seconds} s each, in turn`);
    await appBatched(options.warmupSeconds);
    rawBatched(options.warmupSeconds);
    const batched = await alternate(options.rounds, () => appBatched(options.seconds), async () => rawBatched(options.seconds));
    progress(`in-process: batched once more for ${options.seconds} s, timing every SQLite statement`);
    const timed = await timeInsideSqlite(() => appBatched(options.seconds));
    const sqliteUsPerDebit = timed.nanoseconds / 1000 / timed.value.operations;
    const rawUsPerDebit = 1e6 / batched.baseline;

    await app.close();
    app = undefined;
    return [
      figureLine({
        label: 'in-process debits/s, 1 per transaction',
        ours: sequential.ours,
        baselineName: 'raw better-sqlite3',
        baseline: sequential.baseline,
        format: formatCount,
        note: `(rounds' ratios: ${sequential.roundRatios})`,
      }),
      figureLine({
        label: `in-process debits/s, batched (${options.inFlight} in flight)`,
        ours: batched.ours,
        baselineName: 'raw better-sqlite3',
        baseline: batched.baseline,
        format: formatCount,
        note: `(baseline: ${options.rawBatchSize} per transaction; rounds' ratios: ${batched.roundRatios})`,
      }),
      figureLine({
        label: 'in-process batched: µs per debit in SQLite',
        ours: sqliteUsPerDebit,
        baselineName: 'raw, all its time',
        baseline: rawUsPerDebit,
        format: (value) => `${value.toFixed(1)} µs`,
        note: `(so with no JavaScript at all, at most ${formatRatio(rawUsPerDebit, sqliteUsPerDebit)} of the raw script's debits/s)`,
      }),
      plainLine('verify after the in-process debits', verifyDatabase(databasePath)),
    ];
  } finally {
    await app?.close();
    raw?.close();
    removeTempDirectory(directory);
  }
}
