import assert from 'node:assert/strict';
import { it } from 'node:test';
import { upsertWallet } from '../../src/app/accounts.ts';
import { createDebit } from '../../src/app/debits.ts';
import { createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { amountFromDecimalString, formatAmount } from '../../src/domain/amount.ts';
import type { GrantRecord, HoldRecord, WalletRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import {
  balanceOf,
  bodyOf,
  createFixture,
  DAY,
  HOUR,
  LARGEST_AMOUNT,
  presentDebit,
  presentGrant,
  presentHold,
  T0,
  walletOf,
  WIDEST_AMOUNT,
} from './fixtures.ts';

const amount = amountFromDecimalString;
/** The last millisecond of year 9999: the widest instant the API accepts. */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

forEachStore('exact round trips', (target) => {
  it('keeps a 25+10 digit grant exact through grant, debit, balance and ledger', async () => {
    const fixture = await createFixture(await target.open());
    const grant = bodyOf(
      await createGrant(fixture.dependencies, {
        context: fixture.context,
        input: { ...walletOf(fixture), amount: WIDEST_AMOUNT, category: 'paid', expiresAt: T0 + DAY },
        present: presentGrant,
      }),
    );
    assert.equal(grant.amount, WIDEST_AMOUNT);
    const debit = bodyOf(
      await createDebit(fixture.dependencies, {
        context: fixture.context,
        input: { ...walletOf(fixture), amount: '0.0000000001' },
        present: presentDebit,
      }),
    );
    assert.deepEqual(debit.allocations, [{ grantId: grant.id, amount: '0.0000000001' }]);

    assert.deepEqual(await balanceOf(fixture), {
      available: '1234567890123456789012345.123456789',
      held: '0',
      scheduled: '0',
      overdraft: '0',
      net: '1234567890123456789012345.123456789',
    });
    const stored = await fixture.store.read((repository) => repository.grants.get(fixture.environment.id, grant.id));
    assert.equal(formatAmount(stored!.amount), WIDEST_AMOUNT);
    assert.equal(formatAmount(stored!.available), '1234567890123456789012345.123456789');
    assert.equal(formatAmount(stored!.consumed), '0.0000000001');
    const entries = await fixture.store.read((repository) => repository.ledger.loadForWallet(grant.walletId));
    assert.deepEqual(
      entries.map((entry) => [entry.sequence, entry.type, formatAmount(entry.amount), formatAmount(entry.balanceAfter)]),
      [
        [1, 'grant', WIDEST_AMOUNT, WIDEST_AMOUNT],
        [2, 'debit', '-0.0000000001', '1234567890123456789012345.123456789'],
      ],
    );
    for (const entry of entries) {
      assert.equal(typeof entry.sequence, 'number');
      assert.equal(typeof entry.effectiveAt, 'number');
      assert.equal(entry.effectiveAt, T0);
    }
  });

  it('holds, captures and releases exact amounts', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: LARGEST_AMOUNT }, present: presentGrant });
    const hold = bodyOf(
      await createHold(dependencies, {
        context,
        input: { ...walletOf(fixture), amount: '5000000000000000000000000.0000000001', ttlSeconds: 600 },
        present: presentHold,
      }),
    );
    assert.deepEqual(await balanceOf(fixture), {
      available: '4999999999999999999999999.9999999998',
      held: '5000000000000000000000000.0000000001',
      scheduled: '0',
      overdraft: '0',
      net: '4999999999999999999999999.9999999998',
    });
    const captured = bodyOf(
      await endHold(dependencies, {
        context,
        holdId: hold.id,
        action: { kind: 'capture', amount: '0.0000000001' },
        present: presentHold,
      }),
    );
    assert.equal(captured.status, 'captured');
    assert.equal(captured.capturedAmount, '0.0000000001');
    const storedHold = (await fixture.store.read((repository) => repository.holds.get(context.environment.id, hold.id))) as HoldRecord;
    assert.equal(storedHold.status, 'captured');
    assert.equal(formatAmount(storedHold.amount), '5000000000000000000000000.0000000001');
    assert.equal(formatAmount(storedHold.capturedAmount), '0.0000000001');
    const storedDebit = await fixture.store.read((repository) => repository.debits.get(context.environment.id, captured.debitId));
    assert.equal(storedDebit!.holdId, hold.id);
    assert.equal(formatAmount(storedDebit!.amount), '0.0000000001');
    assert.deepEqual(await balanceOf(fixture), {
      available: '9999999999999999999999999.9999999998',
      held: '0',
      scheduled: '0',
      overdraft: '0',
      net: '9999999999999999999999999.9999999998',
    });

    const second = bodyOf(
      await createHold(dependencies, { context, input: { ...walletOf(fixture), amount: '0.5' }, present: presentHold }),
    );
    const released = bodyOf(await endHold(dependencies, { context, holdId: second.id, action: { kind: 'release' }, present: presentHold }));
    assert.equal(released.status, 'released');
    assert.equal((await balanceOf(fixture)).available, '9999999999999999999999999.9999999998');
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });

  it('books overdraft as exact negative amounts and repays it from the next grant', async () => {
    const fixture = await createFixture(await target.open());
    const { dependencies, context } = fixture;
    await upsertWallet(dependencies, {
      context,
      input: { ...walletOf(fixture), overdraftLimit: LARGEST_AMOUNT },
      present: (wallet) => ({ status: 200, body: { id: wallet.id } }),
    });
    const debit = bodyOf(
      await createDebit(dependencies, {
        context,
        input: { ...walletOf(fixture), amount: '9999999999999999999999999.9999999999', onInsufficient: 'overdraft' },
        present: presentDebit,
      }),
    );
    assert.equal(debit.overdrawn, LARGEST_AMOUNT);
    assert.deepEqual(await balanceOf(fixture), {
      available: '0',
      held: '0',
      scheduled: '0',
      overdraft: LARGEST_AMOUNT,
      net: `-${LARGEST_AMOUNT}`,
    });
    await createGrant(dependencies, { context, input: { ...walletOf(fixture), amount: '0.0000000009' }, present: presentGrant });
    assert.equal((await balanceOf(fixture)).overdraft, '9999999999999999999999999.999999999');
    assert.deepEqual((await verifyAll(dependencies)).problems, []);
  });

  it('round-trips whole rows through the repository exactly', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const wallet: WalletRecord = {
      id: fixture.dependencies.newId('wal'),
      environmentId: fixture.environment.id,
      customerId: fixture.customer.id,
      unit: fixture.unit,
      walletKey: 'sub_ünïcode ✓',
      overdraftLimit: amount(LARGEST_AMOUNT),
      overdraft: amount('0.0000000001'),
      balance: amount(`-${WIDEST_AMOUNT}`),
      held: amount('1234567890123456789012345'),
      sequence: 2 ** 40,
      grantCount: 3,
      advancedTo: LAST_INSTANT,
      period: 'P1M',
      periodAnchor: T0,
      periodStart: T0 + DAY,
      periodUsage: amount(WIDEST_AMOUNT),
      nextEventAt: null,
      hasSchedules: false,
      hasSettings: false,
      lastDebitId: 'dbt_zzzzzzzzzzzzzzzzzzzzzzzzzz',
      createdAt: 0,
    };
    const grant: GrantRecord = {
      id: fixture.dependencies.newId('grt'),
      environmentId: fixture.environment.id,
      customerId: fixture.customer.id,
      walletId: wallet.id,
      unit: fixture.unit,
      walletKey: wallet.walletKey,
      amount: amount(LARGEST_AMOUNT),
      available: amount(WIDEST_AMOUNT),
      held: amount('0.0000000001'),
      consumed: amount('8765432109876543210987654.8765432107'),
      expired: 0n,
      voided: 0n,
      category: 'promotional',
      priority: 100,
      effectiveAt: T0,
      expiresAt: LAST_INSTANT,
      createdAt: T0 - HOUR,
      ordinal: 7,
      activatedAt: T0,
      expiredAt: null,
      voidedAt: null,
      paymentPending: false,
      paidAt: LAST_INSTANT - 2,
      appliesTo: ['gpt-4o', 'ünïcode'],
      source: 'recurring',
      scheduleId: 'sch_ünïcode',
      resetMaxRollover: amount(WIDEST_AMOUNT),
      resetMinRollover: amount('0.0000000001'),
      rolledOver: amount(LARGEST_AMOUNT),
      lastResetAt: LAST_INSTANT - 1,
      // Beyond 2^32: a BIGINT sequence must come back as the same number.
      firstEntrySequence: 4_294_967_301,
      lastEntrySequence: Number.MAX_SAFE_INTEGER,
      recurrencePeriod: 'P1M',
      name: "It's \"quoted\" ? and ;",
      metadata: { plan: 'pro', emoji: '💳' },
      costAmount: amount('12.34'),
      costCurrency: 'usd',
    };
    await store.transaction(async (repository) => {
      assert.equal(await repository.wallets.insert(wallet), true);
      assert.equal(await repository.wallets.insert({ ...wallet, id: fixture.dependencies.newId('wal') }), false, 'same address inserts nothing');
      await repository.grants.insert(grant);
    });
    const read = await store.read(async (repository) => ({
      wallet: await repository.wallets.find(wallet, { lock: false }),
      byId: await repository.wallets.getById(wallet.environmentId, wallet.id, { lock: false }),
      grant: await repository.grants.get(grant.environmentId, grant.id),
      live: await repository.grants.loadLive(wallet.id),
    }));
    assert.deepEqual(read.wallet, wallet);
    assert.deepEqual(read.byId, wallet);
    assert.deepEqual(read.grant, grant);
    // Live grants carry only what the engine needs (the hot path); every one of those fields is exact too.
    const { environmentId, customerId, walletId, unit, walletKey, recurrencePeriod, name, metadata, costAmount, costCurrency, ...engineState } = grant;
    assert.deepEqual(read.live, [engineState]);

    // A locked read inside a write transaction sees the same row.
    const locked = await store.transaction((repository) => repository.wallets.find(wallet, { lock: true }));
    assert.deepEqual(locked, wallet);

    const updated: WalletRecord = { ...wallet, balance: amount(LARGEST_AMOUNT), sequence: 2 ** 40 + 1, nextEventAt: LAST_INSTANT };
    await store.transaction((repository) => repository.wallets.update(updated));
    assert.deepEqual(await store.read((repository) => repository.wallets.getById(wallet.environmentId, wallet.id, { lock: false })), updated);

    // Writing settings flags the wallet, and a later update from a record read before (flag clear) keeps the flag.
    const settings = { walletId: wallet.id, environmentId: wallet.environmentId, customerId: wallet.customerId, lowBalanceThreshold: amount('5'), autoTopUp: null, topUpInFlight: null, declines: 0, pausedUntil: null, updatedAt: T0 };
    await store.transaction(async (repository) => {
      await repository.walletSettings.upsert(settings);
      await repository.wallets.update({ ...updated, sequence: updated.sequence + 1 });
    });
    const flagged = await store.read((repository) => repository.wallets.getById(wallet.environmentId, wallet.id, { lock: false }));
    assert.deepEqual(flagged, { ...updated, sequence: updated.sequence + 1, hasSettings: true });
  });

  it('inserts an existing unit only once', async () => {
    const fixture = await createFixture(await target.open());
    const unit = {
      environmentId: fixture.environment.id,
      code: 'usd',
      scale: 2,
      name: 'US dollar',
      description: 'Dollars of the United States',
      symbol: '$',
      unitNames: { singular: 'dollar', plural: 'dollars' },
      metadata: { region: 'us', 'key with spaces': 'ünïcödé' },
      createdAt: T0,
    };
    assert.equal(await fixture.store.transaction((repository) => repository.accounts.insertUnit(unit)), true);
    assert.equal(await fixture.store.transaction((repository) => repository.accounts.insertUnit({ ...unit, scale: 4 })), false);
    assert.deepEqual(await fixture.store.read((repository) => repository.accounts.getUnit(unit.environmentId, 'usd')), unit);
    const bare = { ...unit, code: 'eur', description: null, symbol: null, unitNames: null, metadata: {} };
    await fixture.store.transaction((repository) => repository.accounts.insertUnit(bare));
    assert.deepEqual(await fixture.store.read((repository) => repository.accounts.getUnit(unit.environmentId, 'eur')), bare);
  });
});
