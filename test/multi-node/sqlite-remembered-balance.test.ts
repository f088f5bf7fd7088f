import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { upsertWallet } from '../../src/app/accounts.ts';
import { getBalance, readBalance, steadyBalanceNow, type BalanceResult } from '../../src/app/balances.ts';
import { createDebit } from '../../src/app/debits.ts';
import { currentTime } from '../../src/app/dependencies.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { advanceTestClock } from '../../src/app/time-events.ts';
import { walletCoalesceKey } from '../../src/app/remembered-wallet.ts';
import { knownWallet } from '../../src/app/wallet-address.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { CreditbookError } from '../../src/domain/errors.ts';
import type { CachedWalletState, CachedWalletWork } from '../../src/store/port.ts';
import { sqliteNodes } from '../support/sqlite-nodes.ts';
import { forStore } from '../support/stores.ts';
import { addWebhookEndpoint, bodyOf, createFixture, DAY, HOUR, onStore, presentDebit, presentGrant, presentHold, T0, walletOf, type Fixture } from '../store-contract/fixtures.ts';

/**
 * Issue 14: GET /v1/balances (now) on SQLite answers from the wallet state the process
 * remembers (`Store.rememberedWalletState`) instead of reading, but only when that is
 * exactly what the read would return. Every read here is checked against the read
 * itself (`readBalance` in a read transaction) and told apart by the statements it ran:
 * from memory it runs none (but `PRAGMA data_version`, when its context carries none).
 */
forStore('sqlite', 'balance reads from remembered wallet states', (target) => {
  /** A store of its own (its own writer connection), recording the statements it runs. */
  const node = sqliteNodes(() => target.location());

  async function grant(fixture: Fixture, amount: string, options: { priority?: number; expiresAt?: number; effectiveAt?: number; resetMinRollover?: string } = {}): Promise<string> {
    const input = { ...walletOf(fixture), amount, ...options };
    return bodyOf(await createGrant(fixture.dependencies, { context: fixture.context, input, present: presentGrant })).id as string;
  }

  function debit(fixture: Fixture, amount: string) {
    return createDebit(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount }, present: presentDebit });
  }

  /** What the read itself answers now: the wallet row and its loads in one read transaction. */
  async function readFromStore(fixture: Fixture): Promise<BalanceResult> {
    const now = currentTime(fixture.dependencies, fixture.environment);
    const address = { environmentId: fixture.environment.id, ...walletOf(fixture) };
    return fixture.store.read((repository) => readBalance(fixture.dependencies, repository, address, now, now));
  }

  /**
   * GET /v1/balances' answer (getBalance), asserted equal to the read's; `remembered` tells whether
   * it came from memory (it ran no statement but `PRAGMA data_version`).
   */
  async function balance(
    on: { store: { externalChanges(): number }; statements: string[] },
    fixture: Fixture,
    options: { authenticated?: boolean } = {},
  ): Promise<{ remembered: boolean; available: string; result: BalanceResult }> {
    // With the data_version a request's authentication reads, a read may remember what it loaded.
    const context = options.authenticated ? { ...fixture.context, externalChanges: on.store.externalChanges() } : fixture.context;
    on.statements.length = 0;
    // The route's synchronous path, asked first: it answers what getBalance answers, and it answers whenever
    // getBalance's answer is steady and the wallet's unit and customer were known before.
    const known = knownWallet(fixture.dependencies, context, walletOf(fixture)) !== undefined;
    const steady = steadyBalanceNow(fixture.dependencies, context, walletOf(fixture));
    const result = await getBalance(fixture.dependencies, context, walletOf(fixture));
    if (steady) assert.deepEqual(steady, result, 'steadyBalanceNow answers what getBalance answers');
    if (known && result.steadyKey) assert.ok(steady, 'a steady balance of a known wallet is answered synchronously');
    const ran = on.statements.splice(0);
    // A wallet that does not exist yet is answered with a fresh ID each time: only that may differ.
    const comparable = (answer: BalanceResult) => {
      const { wallet, ...rest } = withoutSteadyKey(answer);
      return { ...rest, wallet: { ...wallet, id: rest.walletExists ? wallet.id : 'none yet' } };
    };
    assert.deepEqual(comparable(result), comparable(await readFromStore(fixture)), 'the answer is what the read would have returned');
    const remembered = ran.every((sql) => sql === 'PRAGMA data_version');
    return { remembered, available: formatAmount(result.balance.available), result };
  }

  it('answers from the state a debit left, running no read, and equals the read after debits', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100', { priority: 1 });
    await grant(fixture, '50', { priority: 2, expiresAt: T0 + 30 * DAY });
    assert.equal((await balance(a, fixture)).remembered, false, 'no debit yet: nothing remembered');
    await debit(fixture, '1'); // today's path: loads, remembers the state it left
    for (const amount of ['2', '120', '0.5']) {
      await debit(fixture, amount);
      assert.equal((await balance(a, fixture)).remembered, true);
    }
    assert.equal((await balance(a, fixture)).available, '26.5');
    // With the data_version the request's authentication read, no statement at all runs.
    const context = { ...fixture.context, externalChanges: a.store.externalChanges() };
    a.statements.length = 0;
    const answered = await getBalance(fixture.dependencies, context, walletOf(fixture));
    assert.deepEqual(a.statements, []);
    assert.deepEqual(withoutSteadyKey(answered), await readFromStore(fixture));
  });

  it('after a grant, a void and a hold reads again, and after the next debit answers from memory', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    const first = await grant(fixture, '10', { priority: 1 });
    await debit(fixture, '1');
    assert.equal((await balance(a, fixture)).remembered, true);
    await grant(fixture, '5', { priority: 2 });
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: false, available: '14' });
    await debit(fixture, '1');
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '13' });
    await changeGrant(fixture.dependencies, { context: fixture.context, grantId: first, action: { kind: 'void' }, present: presentGrant });
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: false, available: '5' });
    await debit(fixture, '1');
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '4' });
    const hold = bodyOf(await createHold(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '3' }, present: presentHold }));
    await debit(fixture, '0.5'); // a wallet holding credit is not remembered: its holds would have to load
    const held = await balance(a, fixture);
    assert.deepEqual([held.remembered, held.available, formatAmount(held.result.balance.held)], [false, '0.5', '3']);
    await endHold(fixture.dependencies, { context: fixture.context, holdId: hold.id, action: { kind: 'release' }, present: presentHold });
    await debit(fixture, '0.5');
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '3' });
  });

  it('applies expiries and activations due since the state was remembered, as the read does', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10', { priority: 1, expiresAt: T0 + HOUR });
    await grant(fixture, '20', { priority: 2, effectiveAt: T0 + 2 * HOUR });
    await grant(fixture, '40', { priority: 3 });
    await debit(fixture, '1');
    await debit(fixture, '1');
    const before = await balance(a, fixture);
    assert.deepEqual([before.remembered, before.available, formatAmount(before.result.balance.scheduled)], [true, '48', '20']);
    // Until the expiry falls due the balance is steady: computed once, answered again with `at` moved.
    fixture.clock.set(T0 + HOUR - 1);
    const steady = await balance(a, fixture);
    assert.ok(before.result.steadyKey && steady.result.steadyKey === before.result.steadyKey, 'the same steady balance');
    assert.equal(steady.result.balance.at, T0 + HOUR - 1);
    fixture.clock.set(T0 + HOUR); // the first grant expires now
    const expired = await balance(a, fixture);
    assert.notEqual(expired.result.steadyKey, before.result.steadyKey, 'computed again once the expiry is due');
    assert.deepEqual([expired.remembered, expired.available, formatAmount(expired.result.balance.scheduled)], [true, '40', '20']);
    fixture.clock.set(T0 + 3 * HOUR); // the second is effective
    const activated = await balance(a, fixture);
    assert.deepEqual([activated.remembered, activated.available, formatAmount(activated.result.balance.scheduled)], [true, '60', '0']);
    assert.deepEqual(activated.result.balance.grants.map(({ status }) => status), ['expired', 'active', 'active']);
  });

  it("on a test environment's clock: an advance books the expiry (the state is forgotten), and the next debit's state serves", async () => {
    const a = await node();
    const fixture = await createFixture(a.store, { frozenClockAt: T0 });
    await grant(fixture, '10', { priority: 1, expiresAt: T0 + HOUR });
    await grant(fixture, '40', { priority: 2 });
    await debit(fixture, '1');
    await debit(fixture, '1');
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '48' });
    const { environment } = await advanceTestClock(fixture.dependencies, fixture.context, T0 + 2 * HOUR);
    const moved = { ...fixture, environment, context: { ...fixture.context, environment } };
    assert.deepEqual(await balance(a, moved).then(({ remembered, available }) => ({ remembered, available })), { remembered: false, available: '40' });
    await debit(moved, '1');
    const after = await balance(a, moved);
    assert.deepEqual([after.remembered, after.available, after.result.balance.at], [true, '39', T0 + 2 * HOUR]);
  });

  it('reads once a usage-period boundary may top a drained grant up to its floor', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await upsertWallet(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), usagePeriod: { period: 'P1D', anchor: T0 } }, present: () => ({ status: 200, body: {} }) });
    await grant(fixture, '10', { priority: 1, resetMinRollover: '4' });
    await grant(fixture, '100', { priority: 2 });
    await debit(fixture, '1');
    await debit(fixture, '9'); // drains the floored grant: no longer live, so not remembered
    const drained = await balance(a, fixture);
    assert.deepEqual([drained.remembered, drained.available], [true, '100']);
    assert.equal(formatAmount(drained.result.balance.period!.usage), '10');
    fixture.clock.set(T0 + DAY + HOUR); // past the boundary: the floor brings the drained grant back to 4, the period restarts
    const after = await balance(a, fixture);
    assert.deepEqual([after.remembered, after.available], [false, '104']);
    assert.equal(formatAmount(after.result.balance.period!.usage), '0');
    // This debit loads the live grant, then the drained one the boundary tops up: it remembers them in that order,
    // the read loads them in its own; both list grants in ordinal order.
    await debit(fixture, '1');
    const next = await balance(a, fixture);
    assert.deepEqual([next.remembered, next.available], [true, '103']);
    assert.deepEqual(next.result.balance.grants.map(({ grant }) => grant.ordinal), [1, 2]);
  });

  it("keeps remembered states through writes to other tables (the outbox fan-out), not through one to a wallet's row", async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    // An endpoint, so the debits' events wait for the fan-out (without one they are written fanned out).
    await addWebhookEndpoint(fixture);
    await grant(fixture, '10');
    await debit(fixture, '1');
    await debit(fixture, '1');
    // What the webhook fan-out does after every debit, in a transaction that names no wallet.
    const fannedOut = await a.store.transaction(async (repository) => {
      const events = await repository.outbox.claimUnfanned(500);
      await repository.outbox.markFannedOut(events.map((event) => event.id));
      return events.length;
    });
    assert.ok(fannedOut > 0);
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '8' });
    // A write to the wallet's row outside any wallet operation (and naming none): every state is forgotten.
    const address = { environmentId: fixture.environment.id, ...walletOf(fixture) };
    await a.store.transaction(async (repository) => {
      const wallet = (await repository.wallets.find(address, { lock: true }))!;
      await repository.wallets.update({ ...wallet, overdraftLimit: wallet.overdraftLimit + 5n }, wallet);
    });
    const changed = await balance(a, fixture);
    assert.equal(changed.remembered, false);
    assert.equal(changed.result.wallet.overdraftLimit, 5n);
  });

  /** The request's context as authentication leaves it: with the data_version it read. */
  const authenticated = (on: { store: { externalChanges(): number } }, fixture: Fixture) => ({ ...fixture.context, externalChanges: on.store.externalChanges() });

  it('remembers what a read loaded: the next read runs no statement, and the next debit loads nothing', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10', { priority: 1 });
    await grant(fixture, '5', { priority: 2, expiresAt: T0 + DAY });
    a.statements.length = 0;
    const first = await getBalance(fixture.dependencies, authenticated(a, fixture), walletOf(fixture));
    assert.ok(a.statements.some((sql) => sql.startsWith('SELECT')), 'no state yet: the first read loads');
    a.statements.length = 0;
    const context = authenticated(a, fixture);
    a.statements.length = 0;
    const second = await getBalance(fixture.dependencies, context, walletOf(fixture));
    assert.deepEqual(a.statements, [], 'the second read comes from what the first loaded');
    assert.deepEqual(withoutSteadyKey(second), first);
    assert.deepEqual(withoutSteadyKey(second), await readFromStore(fixture));
    const before = { ...a.store.rememberedCounts };
    await debit(fixture, '12');
    assert.deepEqual([a.store.rememberedCounts.remembered - before.remembered, a.store.rememberedCounts.full - before.full], [1, 0], 'the debit ran on that state');
    assert.deepEqual(await balance(a, fixture).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '3' });
  });

  it('remembers nothing from a snapshot older than a commit of its own process', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10');
    await debit(fixture, '1'); // remembered: 9
    const address = { environmentId: fixture.environment.id, ...walletOf(fixture) };
    const context = authenticated(a, fixture);
    const now = currentTime(fixture.dependencies, fixture.environment);
    const stale = await a.store.read(async (repository) => {
      await repository.wallets.find(address, { lock: false }); // the snapshot opens: 9 available
      await debit(fixture, '2'); // commits 7 (and remembers it) while that snapshot stays open
      return readBalance(fixture.dependencies, repository, address, now, now, context.externalChanges);
    });
    assert.equal(formatAmount(stale.balance.available), '9', 'the read answered from its own snapshot');
    const after = await balance(a, fixture);
    assert.deepEqual([after.remembered, after.available], [true, '7'], "the debit's state, not the older read's");
  });

  it('remembers nothing when another process committed after the request read data_version', async () => {
    const a = await node();
    const b = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '10');
    const onB = { ...fixture, store: b.store, dependencies: { ...fixture.dependencies, store: b.store } };
    const context = authenticated(a, fixture); // before b's debit
    await debit(onB, '4');
    const read = await getBalance(fixture.dependencies, context, walletOf(fixture));
    assert.equal(formatAmount(read.balance.available), '6', 'the read itself sees the commit');
    const key = walletCoalesceKey({ environmentId: fixture.environment.id, ...walletOf(fixture) });
    assert.equal(a.store.rememberedWalletState(key, a.store.externalChanges()), undefined, 'but did not remember what it loaded');
    const next = await balance(a, fixture);
    assert.deepEqual([next.remembered, next.available], [false, '6']);
  });

  it('does not answer from a state whose batch has not committed: the read sees what is committed', async () => {
    const a = await node();
    const fixture = await createFixture(a.store);
    await grant(fixture, '100');
    await debit(fixture, '1'); // remembered: 99
    assert.equal((await balance(a, fixture)).remembered, true);
    // Right behind the next debit, in its batch, a work that waits on the test before it fails after writing:
    // the debit's state is written through in a transaction that stays open, then rolls back and runs again.
    let reached!: () => void;
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let blocking: Promise<unknown> | undefined;
    const original = a.store.cachedWalletTransaction.bind(a.store);
    a.store.cachedWalletTransaction = <T, State extends CachedWalletState>(key: string, work: CachedWalletWork<T, State>): Promise<T> => {
      const result = original(key, work);
      blocking = a.store.transaction(
        async (repository) => {
          await repository.idempotency.insert({ environmentId: fixture.environment.id, scope: 'environment', key: 'gated', fingerprint: 'x', status: 200, body: '{}', createdAt: 0, expiresAt: null });
          reached();
          await gate;
          throw new Error('fails after writing');
        },
        { coalesceKey: 'another wallet' },
      );
      return result;
    };
    const booked = debit(fixture, '2');
    await waiting;
    a.store.cachedWalletTransaction = original;
    const key = walletCoalesceKey({ environmentId: fixture.environment.id, ...walletOf(fixture) });
    try {
      assert.equal(a.store.rememberedWalletState(key, undefined), undefined, 'the open batch remembered 97, uncommitted');
      const during = await balance(a, fixture);
      assert.deepEqual([during.remembered, during.available], [false, '99']);
    } finally {
      release();
    }
    await assert.rejects(blocking!, /fails after writing/);
    await booked;
    const after = await balance(a, fixture);
    assert.deepEqual([after.remembered, after.available], [true, '97']);
  });

  it("reads again once another process committed, also a change that booked nothing (a grant's priority)", async () => {
    const a = await node();
    const b = await node();
    const onA = await createFixture(a.store);
    const onB = onStore(onA, b.store);
    const first = await grant(onA, '10', { priority: 1 });
    const second = await grant(onA, '10', { priority: 2 });
    await debit(onA, '1');
    await debit(onA, '1');
    assert.deepEqual(await balance(a, onA).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '18' });
    const seen = a.store.externalChanges();
    await debit(onB, '5');
    const afterDebit = await balance(a, onA);
    assert.deepEqual([afterDebit.remembered, afterDebit.available], [false, '13']);
    await debit(onA, '1'); // A's batch sees B's commit, forgets, loads, remembers again
    assert.deepEqual(await balance(a, onA).then(({ remembered, available }) => ({ remembered, available })), { remembered: true, available: '12' });
    await changeGrant(onB.dependencies, { context: onB.context, grantId: second, action: { kind: 'update', changes: { priority: 0 } }, present: presentGrant });
    const reordered = await balance(a, onA);
    assert.equal(reordered.remembered, false);
    assert.deepEqual(reordered.result.balance.grants.map(({ grant }) => [grant.id, grant.priority]), [[first, 1], [second, 0]]);
    // A version seen before the other process committed never passes for a later one.
    const key = walletCoalesceKey({ environmentId: onA.environment.id, ...walletOf(onA) });
    await debit(onA, '1');
    assert.notEqual(a.store.rememberedWalletState(key, undefined), undefined);
    assert.equal(a.store.rememberedWalletState(key, seen), undefined);
  });

  type Step =
    | { kind: 'grant'; amount: number; expiresInHours: number | null; effectiveInHours: number | null; floor: number | null }
    | { kind: 'debit'; amount: number }
    | { kind: 'hold'; amount: number; release: boolean }
    | { kind: 'void'; index: number }
    | { kind: 'wait'; hours: number }
    | { kind: 'other-process-debit'; amount: number };

  /** `arbitrary` once in `1 + nulls` draws, else null. */
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>, nulls: number): fc.Arbitrary<T | null> =>
    fc.oneof({ weight: nulls, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('grant' as const),
        amount: fc.integer({ min: 1, max: 100 }),
        expiresInHours: sometimes(fc.integer({ min: 1, max: 60 }), 1),
        effectiveInHours: sometimes(fc.integer({ min: 1, max: 30 }), 3),
        floor: sometimes(fc.integer({ min: 1, max: 10 }), 3),
      }),
    },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 15 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold' as const), amount: fc.integer({ min: 1, max: 20 }), release: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), index: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 20 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-process-debit' as const), amount: fc.integer({ min: 1, max: 10 }) }) },
  );

  it('property: over random operations, every balance now equals the read, from memory or not', async () => {
    const a = await node();
    const b = await node();
    let fromMemory = 0;
    let reads = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 16 }), async (withPeriod, steps) => {
        const fixture = await createFixture(a.store);
        const other = onStore(fixture, b.store);
        if (withPeriod) {
          await upsertWallet(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), usagePeriod: { period: 'P1D', anchor: T0 } }, present: () => ({ status: 200, body: {} }) });
        }
        // A lasting grant to spend from, so that most debits succeed and leave a state to remember.
        const grants: string[] = [await grant(fixture, '200', { priority: 90 })];
        const ignoreRefusals = (error: unknown) => {
          if (!(error instanceof CreditbookError)) throw error;
        };
        for (const current of steps) {
          const now = fixture.clock.now();
          if (current.kind === 'grant') {
            const options = {
              ...(current.expiresInHours === null ? {} : { expiresAt: now + (current.effectiveInHours ?? 0) * HOUR + current.expiresInHours * HOUR }),
              ...(current.effectiveInHours === null ? {} : { effectiveAt: now + current.effectiveInHours * HOUR }),
              ...(current.floor === null ? {} : { resetMinRollover: String(Math.min(current.floor, current.amount)) }),
            };
            grants.push(await grant(fixture, String(current.amount), options));
          } else if (current.kind === 'debit') {
            await debit(fixture, String(current.amount)).catch(ignoreRefusals);
          } else if (current.kind === 'other-process-debit') {
            await debit(other, String(current.amount)).catch(ignoreRefusals);
          } else if (current.kind === 'hold') {
            const placed = await createHold(fixture.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: String(current.amount) }, present: presentHold }).catch(ignoreRefusals);
            if (placed && current.release) {
              await endHold(fixture.dependencies, { context: fixture.context, holdId: bodyOf(placed).id, action: { kind: 'release' }, present: presentHold });
            }
          } else if (current.kind === 'void') {
            if (grants.length > 0) {
              const grantId = grants[current.index % grants.length]!;
              await changeGrant(fixture.dependencies, { context: fixture.context, grantId, action: { kind: 'void' }, present: presentGrant }).catch(ignoreRefusals);
            }
          } else {
            fixture.clock.set(now + current.hours * HOUR);
          }
          // Asserts the answer equals the read's; every other read may remember what it loaded.
          const read = await balance(a, fixture, { authenticated: reads % 2 === 1 });
          reads += 1;
          if (read.remembered) fromMemory += 1;
        }
      }),
      { numRuns: 40 },
    );
    assert.ok(fromMemory > reads / 5, `${fromMemory} of ${reads} balances came from memory`);
  });
});

/** A result as a read from the store answers it: only a remembered state's balance carries a steady key. */
function withoutSteadyKey({ steadyKey: _steadyKey, ...result }: BalanceResult): BalanceResult {
  return result;
}
