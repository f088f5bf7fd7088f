import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { grantParams, startStripeServe, stripeError, type StripeServe } from './stripe-serve.ts';

const nativeId = (stripeGrantId: string) => stripeGrantId.replace('credgr_', 'grt_');

/**
 * The credit balance summary (both filters) and credit balance transactions
 * (list, with `credit_grant`, pagination, retrieve) through the official client,
 * with usage booked through the native API on the same wallets.
 */
describe('stripe dialect: credit balance summary and transactions', () => {
  let server: StripeServe;
  let customer: string;
  let customerId: string;
  let metered: Stripe.Billing.CreditGrant;
  let priceA: Stripe.Billing.CreditGrant;
  let yen: Stripe.Billing.CreditGrant;

  const summary = (filter: Stripe.Billing.CreditBalanceSummaryRetrieveParams.Filter) =>
    server.stripe.billing.creditBalanceSummaries.retrieve({ customer, filter });
  const values = (result: Stripe.Billing.CreditBalanceSummary) =>
    result.balances.map((balance) => ({
      currency: balance.available_balance.monetary!.currency,
      available: balance.available_balance.monetary!.value,
      ledger: balance.ledger_balance.monetary!.value,
    }));
  const meteredScope = { type: 'applicability_scope', applicability_scope: { price_type: 'metered' } } as const;

  before(async () => {
    server = await startStripeServe();
    customer = (await server.stripe.customers.create({ name: 'Usage Inc' })).id;
    customerId = customer;
    metered = await server.stripe.billing.creditGrants.create(grantParams(customer, 1000, 'usd', { priority: 10 }));
    priceA = await server.stripe.billing.creditGrants.create({
      customer,
      amount: { type: 'monetary', monetary: { currency: 'usd', value: 500 } },
      applicability_config: { scope: { prices: [{ id: 'price_a' }] } },
      category: 'paid',
    });
    yen = await server.stripe.billing.creditGrants.create(grantParams(customer, 3000, 'jpy'));
  });

  after(async () => {
    await server?.stop();
  });

  it('summarises by applicability scope, one balance per currency', async () => {
    const result = await summary(meteredScope);
    assert.equal(result.object, 'billing.credit_balance_summary');
    assert.equal(result.customer, customer);
    assert.equal(result.livemode, false);
    assert.deepEqual(values(result), [
      { currency: 'jpy', available: 3000, ledger: 3000 },
      { currency: 'usd', available: 1000, ledger: 1000 },
    ]);
    assert.deepEqual(values(await summary({ type: 'applicability_scope', applicability_scope: { prices: [{ id: 'price_a' }] } })), [
      { currency: 'jpy', available: 3000, ledger: 3000 },
      { currency: 'usd', available: 1500, ledger: 1500 },
    ]);
    assert.deepEqual(values(await summary({ type: 'applicability_scope', applicability_scope: { prices: [{ id: 'price_z' }] } }))[1], {
      currency: 'usd',
      available: 1000,
      ledger: 1000,
    });
  });

  it('summarises one credit grant', async () => {
    assert.deepEqual(values(await summary({ type: 'credit_grant', credit_grant: priceA.id })), [{ currency: 'usd', available: 500, ledger: 500 }]);
    assert.deepEqual(values(await summary({ type: 'credit_grant', credit_grant: yen.id })), [{ currency: 'jpy', available: 3000, ledger: 3000 }]);
    const other = (await server.stripe.customers.create({ name: 'Someone else' })).id;
    const error = await stripeError(server.stripe.billing.creditBalanceSummaries.retrieve({ customer: other, filter: { type: 'credit_grant', credit_grant: priceA.id } }));
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'resource_missing');
    assert.equal(error.param, 'filter[credit_grant]');
  });

  it('reflects native debits, holds and captures in the summary and the transactions', async () => {
    const debit = await server.native('POST', '/v1/debits', { customerId, unit: 'usd', amount: '2.5' });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    assert.deepEqual(debit.body.allocations, [{ grantId: nativeId(metered.id), amount: '2.5' }]);
    const hold = await server.native('POST', '/v1/holds', { customerId, unit: 'usd', amount: '1', ttlSeconds: 600 });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    // Held credit is not available, but is still in Stripe's ledger balance.
    assert.deepEqual(values(await summary(meteredScope))[1], { currency: 'usd', available: 650, ledger: 750 });
    const capture = await server.native('POST', `/v1/holds/${hold.body.id}/capture`, { amount: '0.4' });
    assert.equal(capture.status, 200, JSON.stringify(capture.body));
    assert.deepEqual(values(await summary(meteredScope))[1], { currency: 'usd', available: 710, ledger: 710 });

    const page = await server.stripe.billing.creditBalanceTransactions.list({ customer, credit_grant: metered.id });
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/v1/billing/credit_balance_transactions');
    assert.equal(page.has_more, false);
    // Newest first; the hold and its release move no ledger balance, so they are not transactions.
    assert.deepEqual(
      page.data.map((transaction) => [transaction.type, transaction.debit?.type ?? transaction.credit?.type, (transaction.debit ?? transaction.credit)!.amount.monetary!.value]),
      [
        ['debit', 'credits_applied', 40],
        ['debit', 'credits_applied', 250],
        ['credit', 'credits_granted', 1000],
      ],
    );
    for (const transaction of page.data) {
      assert.match(transaction.id, /^cbtxn_[a-z0-9]+$/);
      assert.equal(transaction.object, 'billing.credit_balance_transaction');
      assert.equal(transaction.credit_grant, metered.id);
      assert.equal(transaction.livemode, false);
      assert.equal((transaction.debit ?? transaction.credit)!.amount.monetary!.currency, 'usd');
    }
    const retrieved = await server.stripe.billing.creditBalanceTransactions.retrieve(page.data[1]!.id);
    assert.deepEqual({ ...retrieved }, { ...page.data[1]! });

    // The hold's own ledger entry exists natively but is not a Stripe transaction.
    const entries = await server.native('GET', `/v1/ledger-entries?grantId=${nativeId(metered.id)}`);
    const holdEntry = entries.body.data.find((entry: { type: string }) => entry.type === 'hold');
    assert.ok(holdEntry);
    const hidden = await stripeError(server.stripe.billing.creditBalanceTransactions.retrieve(holdEntry.id.replace('le_', 'cbtxn_')));
    assert.equal(hidden.statusCode, 404);
  });

  it('books voids and expiries as debits, and the transactions add up to the ledger balance', async () => {
    await server.stripe.billing.creditGrants.voidGrant(priceA.id);
    await server.stripe.billing.creditGrants.expire(yen.id);
    const all = await server.stripe.billing.creditBalanceTransactions.list({ customer, limit: 100 });
    const kinds = all.data.map((transaction) => `${transaction.credit_grant}:${transaction.debit?.type ?? transaction.credit?.type}`);
    assert.ok(kinds.includes(`${priceA.id}:credits_voided`));
    assert.ok(kinds.includes(`${yen.id}:credits_expired`));
    const net = new Map<string, number>();
    for (const transaction of all.data) {
      const value = (transaction.debit ?? transaction.credit)!.amount.monetary!.value;
      const key = transaction.credit_grant as string;
      net.set(key, (net.get(key) ?? 0) + (transaction.type === 'credit' ? value : -value));
    }
    assert.deepEqual(Object.fromEntries(net), { [metered.id]: 710, [priceA.id]: 0, [yen.id]: 0 });
    assert.deepEqual(values(await summary(meteredScope)), [
      { currency: 'jpy', available: 0, ledger: 0 },
      { currency: 'usd', available: 710, ledger: 710 },
    ]);
  });

  it('pages through transactions with starting_after and auto-pagination', async () => {
    const everything = (await server.stripe.billing.creditBalanceTransactions.list({ customer, limit: 100 })).data.map((transaction) => transaction.id);
    assert.ok(everything.length >= 7, `expected at least 7 transactions, got ${everything.length}`);
    const first = await server.stripe.billing.creditBalanceTransactions.list({ customer, limit: 2 });
    assert.equal(first.has_more, true);
    assert.deepEqual(first.data.map((transaction) => transaction.id), everything.slice(0, 2));
    const second = await server.stripe.billing.creditBalanceTransactions.list({ customer, limit: 2, starting_after: first.data[1]!.id });
    assert.deepEqual(second.data.map((transaction) => transaction.id), everything.slice(2, 4));
    const paged: string[] = [];
    for await (const transaction of server.stripe.billing.creditBalanceTransactions.list({ customer, limit: 3 })) paged.push(transaction.id);
    assert.deepEqual(paged, everything);
  });
});
