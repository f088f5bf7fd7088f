import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SqliteStore } from './sqlite-store.ts';

/**
 * How many of `count` operations queued in one turn, on a fresh store, ran in the first transaction. Which batches
 * follow depends on when the first fsync ends; the first batch never does (nothing awaits an fsync yet).
 */
async function firstBatchOf(count: number): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-batch-split-'));
  let begins = 0;
  const store = new SqliteStore(join(directory, 'split.db'), { onStatement: (sql) => (begins += sql === 'BEGIN IMMEDIATE' ? 1 : 0) });
  try {
    await store.migrate();
    begins = 0;
    // Each operation tells which transaction it ran in.
    const transactionOf = await Promise.all(Array.from({ length: count }, () => store.transaction(async () => begins)));
    assert.ok(transactionOf.every((transaction) => transaction >= 1));
    return transactionOf.filter((transaction) => transaction === 1).length;
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

it('splits a long queue in two when no batch awaits its fsync, so one half is computed while the other syncs', async () => {
  assert.equal(await firstBatchOf(1), 1);
  assert.equal(await firstBatchOf(16), 16);
  assert.equal(await firstBatchOf(17), 9);
  assert.equal(await firstBatchOf(40), 20);
  // Never more than 256 in one transaction.
  assert.equal(await firstBatchOf(600), 256);
});

/**
 * A fresh store whose batches may run `budgetMs` of `state.clock` (a clock the works move) in one turn, and
 * `state.begins`, the transactions begun since migrating. The store and its folder are gone afterwards.
 */
async function withBudgetStore(budgetMs: number, work: (store: SqliteStore, state: { begins: number; clock: number }) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-batch-budget-'));
  const state = { begins: 0, clock: 0 };
  const store = new SqliteStore(join(directory, 'budget.db'), {
    onStatement: (sql) => (state.begins += sql === 'BEGIN IMMEDIATE' ? 1 : 0),
    batchTurnBudget: { ms: budgetMs, now: () => state.clock },
  });
  try {
    await store.migrate();
    state.begins = 0;
    await work(store, state);
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

it('commits what ran once a batch has taken its turn budget, and runs the rest in later batches, in order', async () => {
  // Each work moves the clock by 10 ms: a budget of 25 ms lets three works run in one turn.
  await withBudgetStore(25, async (store, state) => {
    const order: number[] = [];
    const transactionOf = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        store.transaction(async () => {
          state.clock += 10;
          order.push(index);
          return state.begins;
        }),
      ),
    );
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Three per transaction (the last holds what is left), each in a turn of its own: never 10 in one.
    const perTransaction = new Map<number, number>();
    for (const transaction of transactionOf) perTransaction.set(transaction, (perTransaction.get(transaction) ?? 0) + 1);
    assert.deepEqual([...perTransaction.values()], [3, 3, 3, 1]);
  });
});

it('runs at least one work per batch, however long it takes', async () => {
  await withBudgetStore(25, async (store, state) => {
    const transactionOf = await Promise.all(Array.from({ length: 4 }, () => store.transaction(async () => ((state.clock += 100), state.begins))));
    assert.deepEqual(transactionOf, [1, 2, 3, 4]);
  });
});

it('over its budget, a batch in which one work fails after writing still settles each work once, in order, and loses none', async () => {
  await withBudgetStore(25, async (store, state) => {
    const environment = (id: string) => ({ id, mode: 'test' as const, name: id, frozenClockAt: null, createdAt: 0 });
    const ran: number[] = [];
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        store.transaction(async (repository) => {
          state.clock += 10;
          ran.push(index);
          await repository.accounts.insertEnvironment(environment(`env_${index}`));
          if (index === 1) throw new Error('fails after writing');
          return index;
        }),
      ),
    );
    assert.deepEqual(
      settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'failed')),
      [0, 'failed', 2, 3, 4, 5, 6, 7],
    );
    const stored = await store.read((repository) => repository.accounts.listEnvironments());
    assert.deepEqual(stored.map((row) => row.id).filter((id) => id.startsWith('env_')).sort(), ['env_0', 'env_2', 'env_3', 'env_4', 'env_5', 'env_6', 'env_7']);
    // The first try rolled back at the failure; its others ran again, three at most per turn: 0, 2, 3, then 4, 5, 6, then 7.
    assert.deepEqual(ran, [0, 1, 0, 2, 3, 4, 5, 6, 7]);
    assert.equal(state.begins, 4);
  });
});
