import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAutoTopUps } from '../../src/app/auto-top-up-runs.ts';
import { webhookPayload } from '../../src/webhooks/dispatcher.ts';
import { expectStatus, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * An event's wallet is spelled as the API's objects spell it (WalletKeyView, response-schemas.ts): the default
 * wallet's key is null, in every event family, whichever code wrote the event, and in events written before
 * this rule (read, never rewritten, the same way: store/repository/event-queries.ts).
 */
describe("events spell a wallet's key as the API's objects do", () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  /** A wallet that makes events of every family that carries a wallet: grants, schedules, debits, holds, balance alerts, auto top-up, purchases, usage. */
  async function walletWithEvents(walletKey: string | null): Promise<{ customerId: string; unit: string; events: Json[] }> {
    const { customerId, unit } = await api.wallet();
    const wallet = { customerId, unit, ...(walletKey === null ? {} : { walletKey }) };
    const card = expectStatus(await api.post('/v1/payment-methods', { customerId, testCard: 'succeeds' }), 201);
    expectStatus(await api.post('/v1/balance-settings', { ...wallet, lowBalanceThreshold: '60', autoTopUp: { threshold: '50', amount: '100', unitPrice: '0.10', paymentMethodId: card.id } }), 200);
    const grant = await api.grant({ ...wallet, amount: '100' });
    await api.grant({ ...wallet, amount: '5', recurrencePeriod: 'P1M' });
    const hold = await api.hold({ ...wallet, amount: '10' });
    expectStatus(await api.post(`/v1/holds/${hold.id}/release`, {}), 200);
    await api.debit({ ...wallet, amount: '60' });
    assert.ok((await runAutoTopUps(api.dependencies)) >= 1, 'the top-up ran');
    expectStatus(await api.post(`/v1/grants/${grant.id}/void`, {}), 200);
    const feature = api.unique('tokens');
    expectStatus(await api.post('/v1/features', { key: feature, quantityScale: 0 }), 201);
    expectStatus(await api.post('/v1/prices', { feature, unit, amount: '1', per: '1' }), 201);
    expectStatus(await api.post('/v1/usage-events', { id: api.unique('use'), customerId, feature, quantity: '100000', ...(walletKey === null ? {} : { walletKey }) }), 201);
    const events = expectStatus(await api.get(`/v1/events?customerId=${customerId}&limit=100`), 200).data as Json[];
    return { customerId, unit, events };
  }

  const families = ['grant', 'grant_schedule', 'debit', 'hold', 'balance', 'auto_top_up', 'purchase', 'usage'];

  for (const walletKey of [null, 'plan_a']) {
    it(`every family that names the wallet spells its key ${JSON.stringify(walletKey)}, as GET /v1/wallets does`, async () => {
      const { customerId, unit, events } = await walletWithEvents(walletKey);
      const [wallet] = expectStatus(await api.get(`/v1/wallets?customerId=${customerId}&unit=${unit}`), 200).data as Json[];
      assert.equal(wallet.walletKey, walletKey);
      const ofWallet = events.filter((event) => event.data.walletId === wallet.id);
      assert.deepEqual([...new Set(ofWallet.map((event) => event.type.slice(0, event.type.indexOf('.'))))].sort(), [...families].sort(), 'every family made an event');
      for (const event of ofWallet) {
        assert.deepEqual(
          { type: event.type, customerId: event.data.customerId, unit: event.data.unit, walletKey: event.data.walletKey },
          { type: event.type, customerId, unit, walletKey },
          `${event.type} names the wallet as the API does`,
        );
      }
      for (const type of ['auto_top_up.requested', 'auto_top_up.succeeded', 'balance.low', 'purchase.paid', 'debit.created', 'grant.voided', 'grant_schedule.created', 'hold.released', 'usage.uncovered']) {
        assert.ok(ofWallet.some((event) => event.type === type), `a ${type} event`);
      }
    });
  }

  it('an event stored with the old spelling ("" for the default wallet) reads as null, in the API and in what a webhook sends', async () => {
    const { customerId, unit } = await api.wallet();
    const id = `evt_${'0'.repeat(10)}${api.unique('legacy').replace(/\W/g, '').padStart(16, '0').slice(-16)}`;
    const data = { grantId: 'grt_legacy', walletId: 'wal_legacy', customerId, unit, walletKey: '' };
    await api.store.transaction((repository) => repository.events.insertMany([{ id, environmentId: api.dependencies.newId('env'), type: 'grant.created', data, createdAt: api.t0 }]));
    const stored = api.rows('SELECT data FROM events WHERE id = ?', id)[0];
    assert.equal(JSON.parse(stored.data).walletKey, '', 'history is not rewritten');
    const read = await api.store.read((repository) => repository.outbox.get(id));
    assert.ok(read);
    assert.equal(read.data.walletKey, null);
    assert.equal(JSON.parse(webhookPayload(read)).data.walletKey, null);
  });

  it('GET /v1/events shows an old event of the default wallet with a null key', async () => {
    const { customerId, unit } = await api.wallet();
    const environment = (await api.store.read((repository) => repository.accounts.listEnvironments())).find((candidate) => candidate.id === 'env_default_test')!;
    const id = api.dependencies.newId('evt');
    await api.store.transaction((repository) =>
      repository.events.insertMany([{ id, environmentId: environment.id, type: 'debit.created', data: { debitId: 'dbt_legacy', walletId: 'wal_legacy', customerId, unit, walletKey: '' }, createdAt: api.t0 }]),
    );
    const listed = (expectStatus(await api.get(`/v1/events?customerId=${customerId}&limit=100`), 200).data as Json[]).find((event) => event.id === id);
    assert.ok(listed, 'the old event is listed');
    assert.equal(listed.data.walletKey, null);
  });
});
