import { formatAmount } from './amount.ts';
import { replayWallet } from './replay.ts';
import type { GrantState, LedgerEntryDraft, WalletSnapshot } from './types.ts';

const END_OF_TIME = Number.MAX_SAFE_INTEGER;
const grantParts = ['amount', 'available', 'held', 'consumed', 'expired', 'voided'] as const;

/**
 * Recomputes a wallet from its ledger and lists every difference from the stored
 * projections. An empty list means the wallet is consistent. `stored` must hold
 * every grant, hold and schedule of the wallet, not only the live ones.
 */
export function verifyWallet(stored: WalletSnapshot, entries: LedgerEntryDraft[]): string[] {
  const problems: string[] = [];
  const walletLabel = `wallet ${stored.wallet.id}`;
  let runningBalance = 0n;
  let runningHeld = 0n;
  let previousTime = Number.MIN_SAFE_INTEGER;
  entries.forEach((entry, index) => {
    runningBalance += entry.amount;
    runningHeld += entry.heldAmount;
    const label = `${walletLabel} entry #${entry.sequence}`;
    if (entry.sequence !== index + 1) problems.push(`${label}: sequence should be ${index + 1}`);
    if (entry.balanceAfter !== runningBalance) problems.push(`${label}: balanceAfter ${formatAmount(entry.balanceAfter)} != running sum ${formatAmount(runningBalance)}`);
    if (entry.heldAfter !== runningHeld) problems.push(`${label}: heldAfter ${formatAmount(entry.heldAfter)} != running held ${formatAmount(runningHeld)}`);
    if (entry.effectiveAt < previousTime) problems.push(`${label}: booked earlier than the entry before it`);
    previousTime = entry.effectiveAt;
  });
  const replayed = replayWallet({ wallet: stored.wallet, grants: stored.grants, holds: stored.holds, schedules: stored.schedules, entries, at: END_OF_TIME });
  const wallet = stored.wallet;
  compare(problems, `${walletLabel} balance`, wallet.balance, replayed.wallet.balance);
  compare(problems, `${walletLabel} held`, wallet.held, replayed.wallet.held);
  compare(problems, `${walletLabel} overdraft`, wallet.overdraft, replayed.wallet.overdraft);
  if (wallet.sequence !== replayed.wallet.sequence) problems.push(`${walletLabel} sequence ${wallet.sequence} != ${replayed.wallet.sequence}`);
  if (wallet.overdraft < 0n) problems.push(`${walletLabel} overdraft is negative`);
  const replayedGrants = new Map(replayed.grants.map((grant) => [grant.id, grant]));
  for (const grant of stored.grants) {
    const label = `grant ${grant.id}`;
    checkSplit(problems, grant);
    const expected = replayedGrants.get(grant.id);
    if (!expected) continue;
    for (const part of grantParts) compare(problems, `${label} ${part}`, grant[part], expected[part]);
    // Listing a grant's entries reads the wallet's sequence between these two: a wrong one hides entries.
    for (const bound of ['firstEntrySequence', 'lastEntrySequence'] as const) {
      if (grant[bound] !== expected[bound]) problems.push(`${label} ${bound} ${grant[bound]} != ${expected[bound]}`);
    }
    if (grant.available < 0n || grant.held < 0n) problems.push(`${label} has a negative part`);
  }
  const replayedHolds = new Map(replayed.holds.map((hold) => [hold.id, hold]));
  for (const hold of stored.holds) {
    const expected = replayedHolds.get(hold.id);
    hold.allocations.forEach((allocation, index) => {
      const expectedAmount = expected?.allocations[index]?.amount ?? 0n;
      compare(problems, `hold ${hold.id} allocation on ${allocation.grantId}`, allocation.amount, expectedAmount);
    });
  }
  return problems;
}

export function checkSplit(problems: string[], grant: GrantState): void {
  const total = grant.available + grant.held + grant.consumed + grant.expired + grant.voided;
  if (total !== grant.amount) {
    problems.push(`grant ${grant.id}: available+held+consumed+expired+voided = ${formatAmount(total)} != amount ${formatAmount(grant.amount)}`);
  }
}

function compare(problems: string[], label: string, stored: bigint, expected: bigint): void {
  if (stored !== expected) problems.push(`${label}: stored ${formatAmount(stored)}, ledger says ${formatAmount(expected)}`);
}
