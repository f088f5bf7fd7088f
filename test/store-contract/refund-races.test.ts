import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDebit } from '../../src/app/debits.ts';
import { createPurchase } from '../../src/app/purchases.ts';
import { completePurchase } from '../../src/app/purchases-transitions.ts';
import { refundPurchase } from '../../src/app/refunds.ts';
import { idempotencyRequest } from '../../src/edge/idempotency-key.ts';
import { verifyAll } from '../../src/app/verify.ts';
import { amountFromDecimalString, formatAmount } from '../../src/domain/amount.ts';
import type { PurchaseRecord } from '../../src/store/payment-records.ts';
import { forEachStore } from '../support/stores.ts';
import { createFixture, onStore, presentDebit, tally, walletOf, type Fixture } from './fixtures.ts';

/** A paid purchase of `amount` credits for `price` usd on the fixture's wallet. */
async function paidPurchase(fixture: Fixture, amount: string, price: string): Promise<PurchaseRecord> {
  const outcome = await createPurchase(fixture.dependencies, {
    context: fixture.context,
    input: { ...walletOf(fixture), amount, price },
    present: ({ purchase }) => ({ status: 201, body: purchase }),
  });
  const purchase = outcome.body as PurchaseRecord;
  const paid = await completePurchase(fixture.dependencies, { purchase, paymentReference: 'pay_contract' });
  assert.equal(paid.outcome, 'paid');
  return paid.purchase;
}

function refund(fixture: Fixture, purchase: PurchaseRecord, key?: string) {
  return refundPurchase(fixture.dependencies, {
    context: fixture.context,
    purchaseId: purchase.id,
    ...(key ? { idempotency: idempotencyRequest(key, 'purchases.refund', { params: { id: purchase.id }, body: {} }) } : {}),
  });
}

async function creditNotesOf(fixture: Fixture, purchase: PurchaseRecord) {
  return (await fixture.store.read((repository) => repository.creditNotes.list(fixture.environment.id, { purchaseId: purchase.id }, { limit: 100, startingAfter: null }))).data;
}

async function refundedEvents(fixture: Fixture, purchase: PurchaseRecord) {
  const events = await fixture.store.read((repository) => repository.events.list(fixture.environment.id, { type: 'purchase.refunded' }, { limit: 100, startingAfter: null }));
  return events.data.filter((event) => event.data.purchaseId === purchase.id);
}

/**
 * Refund races on every store, with three stores on one database standing for
 * three nodes: concurrent refunds of one purchase refund once, and a refund
 * racing debits never refunds a credit that was spent.
 */
forEachStore('refund races', (target) => {
  it('concurrent refunds of one purchase, from three nodes, refund once', async () => {
    const fixture = await createFixture(await target.open(), { scale: 2 });
    const nodes = [fixture, onStore(fixture, await target.open()), onStore(fixture, await target.open())];
    const purchase = await paidPurchase(fixture, '90', '9.00');
    const { values, errors } = tally(await Promise.allSettled(Array.from({ length: 12 }, (_, index) => refund(nodes[index % 3]!, purchase))));
    assert.equal(values.length, 1);
    assert.deepEqual(errors, Array(11).fill('state_conflict'));
    const notes = await creditNotesOf(fixture, purchase);
    assert.deepEqual(notes.map((note) => [formatAmount(note.credits), note.amountMinor, note.status]), [['90', 900n, 'succeeded']]);
    assert.equal((await refundedEvents(fixture, purchase)).length, 1);
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });

  it('the same Idempotency-Key sent at once from three nodes makes one credit note, answered to all', async () => {
    const fixture = await createFixture(await target.open(), { scale: 2 });
    const nodes = [fixture, onStore(fixture, await target.open()), onStore(fixture, await target.open())];
    const purchase = await paidPurchase(fixture, '10', '1.00');
    const results = await Promise.all(Array.from({ length: 9 }, (_, index) => refund(nodes[index % 3]!, purchase, 'same-refund')));
    assert.equal(new Set(results.map((result) => result.creditNote.id)).size, 1);
    assert.ok(results.every((result) => result.creditNote.status === 'succeeded'));
    assert.equal((await creditNotesOf(fixture, purchase)).length, 1);
    assert.equal((await refundedEvents(fixture, purchase)).length, 1);
  });

  it('a refund racing debits never refunds a spent credit: debited + refunded = bought, exactly', async () => {
    const fixture = await createFixture(await target.open(), { scale: 2 });
    const nodes = [fixture, onStore(fixture, await target.open()), onStore(fixture, await target.open())];
    const purchase = await paidPurchase(fixture, '100', '7.00');
    const debits = Array.from({ length: 24 }, (_, index) =>
      createDebit(nodes[index % 3]!.dependencies, { context: fixture.context, input: { ...walletOf(fixture), amount: '5' }, present: presentDebit }),
    );
    const refunds = [refund(nodes[1]!, purchase), refund(nodes[2]!, purchase)];
    const [debitsSettled, refundsSettled] = await Promise.all([Promise.allSettled(debits), Promise.allSettled(refunds)]);
    const debitResults = tally(debitsSettled);
    const refundResults = tally(refundsSettled);
    assert.ok(debitResults.errors.every((code) => code === 'insufficient_balance'));
    assert.ok(refundResults.errors.every((code) => code === 'state_conflict'));
    const debited = BigInt(debitResults.values.length) * amountFromDecimalString('5');
    const refunded = (await creditNotesOf(fixture, purchase)).reduce((sum, note) => sum + note.credits, 0n);
    assert.equal(debited + refunded, amountFromDecimalString('100'), `debited ${formatAmount(debited)} + refunded ${formatAmount(refunded)}`);
    const grant = await fixture.store.read((repository) => repository.grants.get(fixture.environment.id, purchase.grantId));
    assert.deepEqual({ consumed: grant!.consumed, voided: grant!.voided, available: grant!.available }, { consumed: debited, voided: refunded, available: 0n });
    assert.deepEqual((await verifyAll(fixture.dependencies)).problems, []);
  });
});
