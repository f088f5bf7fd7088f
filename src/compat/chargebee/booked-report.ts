import type { Booked } from '../../app/booked.ts';
import { formatAmount, ZERO, type Amount } from '../../domain/amount.ts';
import { computeBalance } from '../../domain/balance.ts';
import type { Instant } from '../../domain/types.ts';
import { toSeconds } from './chargebee-params.ts';
import { grantBlockView, ledgerAccountBalanceView, ledgerOperationView, type OperationNames, type OperationSource } from './chargebee-presenters.ts';
import { operationsOf, type LedgerOperationFacts, type OperationEntry } from './ledger-operations.ts';
import { subscriptionIdOf } from './subscription-accounts.ts';

/**
 * What a Chargebee write answers with, built inside the write's transaction
 * from what it booked: the ledger operation, its ledger entries, the grant
 * blocks it touched (as they are after it) and the account balance after it.
 */
export function bookedReport(booked: Booked, operationId: string, source: OperationSource, now: Instant, names: OperationNames = new Map()) {
  const wallet = booked.wallet;
  const entries: OperationEntry[] = booked.entries.map((entry) =>
    Object.assign({}, entry, {
      walletId: wallet.id,
      unit: wallet.unit,
      walletKey: wallet.walletKey,
      createdAt: now,
    }),
  );
  const operation = operationsOf(entries, new Map([[wallet.id, wallet.overdraft]])).find((candidate) => candidate.id === operationId);
  if (!operation) throw new Error(`The booking has no ledger operation ${operationId}.`);
  const touched = new Set(operation.entries.map((entry) => entry.grantId).filter((grantId): grantId is string => grantId !== null));
  return {
    operation,
    ledger_operation: ledgerOperationView(operation, source, names),
    ledger_entries: ledgerEntryViews(entries, operation, booked, names.get(operation.id) ?? operation.id),
    grant_blocks: booked.snapshot.grants.filter((grant) => touched.has(grant.id)).map((grant) => grantBlockView(grant, wallet, now)),
    ledger_account_balance: ledgerAccountBalanceView(wallet, computeBalance(booked.snapshot, now)),
  };
}

/**
 * Chargebee's ledger entries of one operation, with the grant block's and the
 * account's balance before and after each. Balances are worked out backwards
 * from the state after the booking (grant balances from the snapshot, the
 * overdraft drawn from the wallet), across every entry of the booking.
 */
function ledgerEntryViews(entries: readonly OperationEntry[], operation: LedgerOperationFacts, booked: Booked, shownOperationId: string) {
  const grantBalance = new Map(booked.snapshot.grants.map((grant) => [grant.id, grant.available]));
  let overdraft = booked.wallet.overdraft;
  const balances = new Map<number, { blockStart: Amount; blockEnd: Amount; accountStart: Amount; accountEnd: Amount }>();
  for (const entry of [...entries].reverse()) {
    const overdraftEnd = overdraft;
    if (entry.grantId === null) overdraft += entry.amount;
    const overdraftStart = overdraft;
    if (entry.grantId === null) {
      balances.set(entry.sequence, { blockStart: overdraftStart, blockEnd: overdraftEnd, accountStart: overdraftStart, accountEnd: overdraftEnd });
      continue;
    }
    const blockEnd = grantBalance.get(entry.grantId) ?? ZERO;
    grantBalance.set(entry.grantId, blockEnd - entry.amount);
    balances.set(entry.sequence, {
      blockStart: blockEnd - entry.amount,
      blockEnd,
      accountStart: entry.balanceAfter - entry.amount + overdraftStart,
      accountEnd: entry.balanceAfter + overdraftEnd,
    });
  }
  const subscriptionId = subscriptionIdOf(booked.wallet.walletKey);
  return operation.entries.map((entry) => {
    const balance = balances.get(entry.sequence)!;
    return {
      id: `${entry.walletId}_${entry.sequence}`,
      ...(subscriptionId === undefined ? {} : { subscription_id: subscriptionId }),
      account_type: entry.grantId === null ? ('overdraft' as const) : ('provisioned' as const),
      unit_id: entry.unit,
      unit_type: 'credit_unit' as const,
      amount: formatAmount(entryMagnitude(entry)),
      grant_block_start_balance: formatAmount(balance.blockStart),
      grant_block_end_balance: formatAmount(balance.blockEnd),
      account_start_balance: formatAmount(balance.accountStart),
      account_end_balance: formatAmount(balance.accountEnd),
      type: entryDirection(entry),
      ledger_operation_id: shownOperationId,
      ...(entry.grantId === null ? {} : { grant_block_id: entry.grantId }),
      created_at: toSeconds(entry.createdAt),
      modified_at: toSeconds(entry.createdAt),
    };
  });
}

function entryMagnitude(entry: OperationEntry): Amount {
  const value = entry.type === 'hold' || entry.type === 'capture' ? entry.heldAmount : entry.amount;
  return value < 0n ? -value : value;
}

/** credit and debit move usable credit (or, on the overdraft account, what is owed); hold and unhold reserve and return it. */
function entryDirection(entry: OperationEntry): 'credit' | 'debit' | 'hold' | 'unhold' {
  switch (entry.type) {
    case 'hold':
      return 'hold';
    case 'release':
      return 'unhold';
    case 'capture':
      return 'debit';
    default:
      return entry.amount >= 0n ? 'credit' : 'debit';
  }
}
