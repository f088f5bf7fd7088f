import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amountFromDecimalString as amount, formatAmount } from '../../../src/domain/amount.ts';
import type { LedgerEntryType } from '../../../src/domain/types.ts';
import {
  OperationGrouper,
  operationsOf,
  parseOperationId,
  type LedgerOperationFacts,
  type OperationEntry,
} from '../../../src/compat/chargebee/ledger-operations.ts';

/**
 * One wallet's ledger, as the engine books it: a grant, a debit, a hold captured
 * in part (the rest released in the same action), a debit that runs into
 * overdraft, a grant that repays it, and that grant's expiry.
 */
function ledger(): OperationEntry[] {
  let balance = 0n;
  let sequence = 0;
  const entry = (type: LedgerEntryType, grantId: string | null, change: string, refs: { debitId?: string; holdId?: string; held?: string } = {}): OperationEntry => {
    sequence += 1;
    balance += amount(change);
    return {
      walletId: 'wal_1',
      unit: 'ai_credits',
      walletKey: 'subscription:sub_1',
      sequence,
      type,
      grantId,
      debitId: refs.debitId ?? null,
      holdId: refs.holdId ?? null,
      amount: amount(change),
      heldAmount: amount(refs.held ?? '0'),
      balanceAfter: balance,
      effectiveAt: 1_000 * sequence,
      createdAt: 1_000 * sequence,
      id: `le_${String(sequence).padStart(3, '0')}`,
    };
  };
  return [
    entry('grant', 'grt_1', '100'),
    entry('debit', 'grt_1', '-30', { debitId: 'dbt_1' }),
    entry('hold', 'grt_1', '-20', { holdId: 'hld_1', held: '20' }),
    entry('capture', 'grt_1', '0', { holdId: 'hld_1', debitId: 'dbt_2', held: '-5' }),
    entry('release', 'grt_1', '15', { holdId: 'hld_1', held: '-15' }),
    entry('debit', 'grt_1', '-65', { debitId: 'dbt_3' }),
    entry('overdraft', null, '-15', { debitId: 'dbt_3' }),
    entry('grant', 'grt_2', '50'),
    entry('repayment', 'grt_2', '-15'),
    entry('repayment', null, '15'),
    entry('expiry', 'grt_2', '-35'),
  ];
}

type Summary = [id: string, type: string, amount: string, provisioned: string, overdraft: string, parent: string | null, entries: number];

const summary = (operation: LedgerOperationFacts): Summary => [
  operation.id,
  operation.type,
  formatAmount(operation.amount),
  `${formatAmount(operation.provisionedStart)}->${formatAmount(operation.provisionedEnd)}`,
  `${formatAmount(operation.overdraftStart)}->${formatAmount(operation.overdraftEnd)}`,
  operation.parentId,
  operation.entries.length,
];

const expected: Summary[] = [
  ['grt_1', 'allocation', '100', '0->100', '0->0', null, 1],
  ['dbt_1', 'capture', '30', '100->70', '0->0', null, 1],
  ['hld_1', 'authorize', '20', '70->50', '0->0', null, 1],
  ['dbt_2', 'capture_authorization', '5', '50->65', '0->0', 'hld_1', 2],
  ['dbt_3', 'capture', '80', '65->0', '0->15', null, 2],
  ['grt_2', 'allocation', '50', '0->35', '15->0', null, 3],
  ['exp_11_grt_2', 'expiry', '35', '35->0', '0->0', 'grt_2', 1],
];

function walk(order: 'asc' | 'desc', entries: OperationEntry[], start: Map<string, bigint>): LedgerOperationFacts[] {
  const grouper = new OperationGrouper(order, start);
  const operations: LedgerOperationFacts[] = [];
  for (const entry of order === 'asc' ? entries : [...entries].reverse()) {
    const done = grouper.push(entry);
    if (done) operations.push(done);
  }
  const last = grouper.finish();
  if (last) operations.push(last);
  return order === 'asc' ? operations : operations.reverse();
}

describe('chargebee ledger operations read off the ledger', () => {
  it('groups one action into one operation, with provisioned and overdraft balances, walking forward from zero', () => {
    assert.deepEqual(walk('asc', ledger(), new Map()).map(summary), expected);
  });

  it('walking backward from the wallet as it is now gives the same operations', () => {
    assert.deepEqual(walk('desc', ledger(), new Map([['wal_1', 0n]])).map(summary), expected);
  });

  it('walking backward tracks the overdraft from the current one', () => {
    const entries = ledger().slice(0, 7);
    const operations = walk('desc', entries, new Map([['wal_1', amount('15')]]));
    assert.deepEqual(operations.map(summary), expected.slice(0, 5));
  });

  it('operationsOf reports what one booking did, given the wallet after it', () => {
    const booking = ledger().slice(5, 7);
    const [capture] = operationsOf(booking, new Map([['wal_1', amount('15')]]));
    assert.deepEqual(summary(capture!), expected[4]);
  });

  it('a split anywhere in a forward walk resumes with the carried overdraft', () => {
    const entries = ledger();
    for (let split = 1; split < entries.length; split += 1) {
      const first = new OperationGrouper('asc', new Map());
      const seen: LedgerOperationFacts[] = [];
      let resumeAt = 0;
      let carried = new Map<string, bigint>();
      for (const [index, entry] of entries.entries()) {
        const done = first.push(entry);
        if (done) {
          seen.push(done);
          carried = first.overdraftState();
          resumeAt = index;
        }
        if (index + 1 >= split && seen.length > 0) break;
      }
      const rest = walk('asc', entries.slice(resumeAt), carried);
      assert.deepEqual([...seen, ...rest].map(summary), expected, `split at ${split}`);
    }
  });

  it('parses the ids of operations that are not a Creditbook object', () => {
    assert.deepEqual(parseOperationId('rel_hld_1'), { kind: 'release', holdId: 'hld_1' });
    assert.deepEqual(parseOperationId('exp_11_grt_2'), { kind: 'entry', type: 'expiry', sequence: 11, ownerId: 'grt_2' });
    assert.deepEqual(parseOperationId('void_3_grt_x_y'), { kind: 'entry', type: 'void', sequence: 3, ownerId: 'grt_x_y' });
    assert.deepEqual(parseOperationId('hld_1'), { kind: 'object', id: 'hld_1' });
  });
});
