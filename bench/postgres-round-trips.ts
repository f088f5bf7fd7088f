import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { AppLedger } from './app-ledger.ts';
import { figureLine, progress } from './format.ts';
import type { ScratchDatabase } from './postgres-bench.ts';

/** Warm-up and measured debits one at a time: the workload spreads them over its 100 wallets, so the warm-up touches each. */
const SEQUENTIAL_DEBITS = 1000;
/** Hot-wallet debits in flight at once, and how many such bursts are measured. */
const HOT_IN_FLIGHT = 32;
const HOT_BURSTS = 4;

interface RoundTrips {
  perDebit: number;
  perHotDebit: number;
}

/**
 * Round trips per in-process debit on PostgreSQL, counted (PostgresStore's
 * `onRoundTrip` sees every query message), so other work on the machine cannot
 * move them: with remembered wallet states (one guarded statement per debit,
 * one per coalesced batch) and without (`rememberWallets: 0`, today's path:
 * BEGIN, lock, loads, writes, COMMIT).
 */
export async function countPostgresRoundTrips(createDatabase: (purpose: string) => Promise<ScratchDatabase>): Promise<string[]> {
  progress('postgres: counting round trips per debit, with and without remembered wallet states');
  const withStates = await countOn(await createDatabase('trips'), {});
  const without = await countOn(await createDatabase('trips'), { rememberWallets: 0 });
  const format = (value: number) => value.toFixed(2);
  const baselineName = 'no remembered state';
  return [
    figureLine({ label: 'PG round trips per debit, 100 wallets, 1 at a time', ours: withStates.perDebit, baselineName, baseline: without.perDebit, format }),
    figureLine({ label: `PG round trips per debit, hot wallet, ${HOT_IN_FLIGHT} in flight`, ours: withStates.perHotDebit, baselineName, baseline: without.perHotDebit, format }),
  ];
}

async function countOn(database: ScratchDatabase, options: { rememberWallets?: number }): Promise<RoundTrips> {
  let roundTrips = 0;
  const ledger = await AppLedger.open(new PostgresStore(database.url, { ...options, onRoundTrip: () => (roundTrips += 1) }), { hotWallet: true });
  try {
    // The first debit of each wallet loads it on today's path; the second pass is what a warm node does.
    for (let index = 0; index < SEQUENTIAL_DEBITS; index += 1) await ledger.debit(index);
    roundTrips = 0;
    for (let index = SEQUENTIAL_DEBITS; index < 2 * SEQUENTIAL_DEBITS; index += 1) await ledger.debit(index);
    const perDebit = roundTrips / SEQUENTIAL_DEBITS;
    await ledger.debitHot(0);
    roundTrips = 0;
    for (let burst = 0; burst < HOT_BURSTS; burst += 1) {
      await Promise.all(Array.from({ length: HOT_IN_FLIGHT }, (_, index) => ledger.debitHot(1 + burst * HOT_IN_FLIGHT + index)));
    }
    return { perDebit, perHotDebit: roundTrips / (HOT_BURSTS * HOT_IN_FLIGHT) };
  } finally {
    await ledger.close();
    await database.drop();
  }
}
