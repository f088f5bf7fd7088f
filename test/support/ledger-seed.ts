import Database from 'better-sqlite3';
import { createCustomer, createUnit } from '../../src/app/accounts.ts';
import type { AppDependencies, RequestContext } from '../../src/app/dependencies.ts';
import { createGrant } from '../../src/app/grants.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import type { Store } from '../../src/store/port.ts';
import type { LedgerEntryRecord } from '../../src/store/records.ts';

/**
 * Many ledger entries, fast: a wallet per customer, each with one grant made
 * through the app, then debit entries bulk-inserted (`insert`: through the
 * store's repository, or straight into a SQLite file, many rows per
 * transaction, not one wallet operation each), and
 * finally each wallet's and grant's projection set to what the entries add up
 * to, so balance reads agree with the ledger as if the debits had been booked.
 * The grants take effect at `start`, which should be the app clock's now.
 *
 * Entries are inserted in (effectiveAt, id) order, so every index grows at its
 * end. Debit n of a wallet takes `debitAmount(n)` (scale 4).
 */
export interface SeededLedger {
  unit: string;
  customerIds: string[];
  /** Every entry seeded (grants included). */
  entries: number;
  /** The first and last effective times of the seeded entries. */
  from: number;
  to: number;
}

export const debitAmount = (wallet: number, index: number): bigint => 1n + BigInt((index * 7919 + wallet * 104729) % 99_999); // 0.0001 to 9.9999, scale 4

const AMOUNT_FACTOR = 10n ** 10n / 10n ** 4n; // scale-4 units in the store's 10-decimal fixed point
const ROWS_PER_TRANSACTION = 10_000;

export type InsertEntries = (entries: LedgerEntryRecord[]) => Promise<void>;

/** Through the store's own repository (any dialect). */
export function insertThroughStore(store: Store): InsertEntries {
  return (entries) => store.transaction((repository) => repository.ledger.insertMany(entries));
}

/**
 * Straight into a SQLite file on a connection of its own, one prepared
 * statement per row: several times faster than the repository's multi-row
 * statements, for the million-row case. Close it before the store writes again.
 */
export function insertIntoSqliteFile(path: string): { insert: InsertEntries; close: () => void } {
  const database = new Database(path);
  database.pragma('busy_timeout = 10000');
  const statement = database.prepare(
    `INSERT INTO ledger_entries (id, environment_id, customer_id, wallet_id, unit, wallet_key, sequence, type, grant_id, debit_id, hold_id,
       amount, held_amount, balance_after, held_after, effective_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAll = database.transaction((entries: LedgerEntryRecord[]) => {
    for (const entry of entries) {
      statement.run(entry.id, entry.environmentId, entry.customerId, entry.walletId, entry.unit, entry.walletKey, entry.sequence, entry.type, entry.grantId, entry.debitId,
        entry.holdId, formatAmount(entry.amount), formatAmount(entry.heldAmount), formatAmount(entry.balanceAfter), formatAmount(entry.heldAfter), entry.effectiveAt, entry.createdAt);
    }
  });
  return { insert: async (entries) => void insertAll(entries), close: () => database.close() };
}

export async function seedLedger(
  dependencies: AppDependencies,
  context: RequestContext,
  options: { wallets: number; debitsPerWallet: number; start: number; insert: InsertEntries; unit?: string },
): Promise<SeededLedger> {
  const unit = options.unit ?? 'seed_credits';
  await createUnit(dependencies, context, { code: unit, scale: 4 });
  const grantAmount = 10_000_000n * 10n ** 10n;
  const wallets = await Promise.all(
    Array.from({ length: options.wallets }, async (_, index) => {
      const customerId = `cus_seed_${String(index).padStart(5, '0')}`;
      await createCustomer(dependencies, { context, input: { id: customerId }, present: () => ({ status: 201, body: {} }) });
      const grant = await createGrant(dependencies, {
        context,
        input: { customerId, unit, amount: '10000000', effectiveAt: options.start, category: 'paid' },
        present: (made) => ({ status: 201, body: { id: made.id, walletId: made.walletId } }),
      });
      const { id, walletId } = grant.body as { id: string; walletId: string };
      return { customerId, grantId: id, walletId, balance: grantAmount, sequence: 1 };
    }),
  );
  const environmentId = context.environment.id;
  const effectiveAt = (index: number, wallet: number) => options.start + 1000 + index * 1000 + wallet;
  let batch: LedgerEntryRecord[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await options.insert(rows);
  };
  for (let index = 0; index < options.debitsPerWallet; index += 1) {
    for (const [number, wallet] of wallets.entries()) {
      const amount = debitAmount(number, index) * AMOUNT_FACTOR;
      wallet.balance -= amount;
      wallet.sequence += 1;
      const at = effectiveAt(index, number);
      batch.push({
        id: `le_seed_${environmentId.slice(-10)}_${String(index).padStart(8, '0')}_${String(number).padStart(5, '0')}`,
        environmentId,
        customerId: wallet.customerId,
        walletId: wallet.walletId,
        unit,
        walletKey: '',
        sequence: wallet.sequence,
        type: 'debit',
        grantId: wallet.grantId,
        debitId: null,
        holdId: null,
        amount: -amount,
        heldAmount: 0n,
        balanceAfter: wallet.balance,
        heldAfter: 0n,
        effectiveAt: at,
        createdAt: at,
      });
      if (batch.length >= ROWS_PER_TRANSACTION) await flush();
    }
  }
  if (batch.length > 0) await flush();
  await dependencies.store.transaction(async (repository) => {
    for (const wallet of wallets) {
      const record = (await repository.wallets.getById(environmentId, wallet.walletId, { lock: true }))!;
      await repository.wallets.update({ ...record, balance: wallet.balance, sequence: wallet.sequence });
      const grant = (await repository.grants.get(environmentId, wallet.grantId))!;
      await repository.grants.updateState({ ...grant, available: wallet.balance, consumed: grantAmount - wallet.balance });
    }
  });
  return {
    unit,
    customerIds: wallets.map((wallet) => wallet.customerId),
    entries: wallets.length * (options.debitsPerWallet + 1),
    from: options.start,
    to: effectiveAt(options.debitsPerWallet - 1, wallets.length - 1),
  };
}
