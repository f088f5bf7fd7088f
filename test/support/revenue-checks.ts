import assert from 'node:assert/strict';
import { expectStatus, type Json, type TestApi } from './test-api.ts';

/** Pays a purchase on the test provider's hosted checkout, as a customer clicking Pay would. */
export async function payAtCheckout(api: TestApi, purchase: Json): Promise<void> {
  const path = new URL(purchase.paymentSession.url).pathname;
  expectStatus(await api.request({ method: 'POST', url: `${path}/pay`, key: null, payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 303);
}

/** Money as an integer of minor units ("12.34" → 1234n), for sums that must be exact. */
export function minorUnits(money: string): bigint {
  return BigInt(money.replace('.', ''));
}

/** A revenue report (or a row of it) ties out: opening + paid − recognised − breakage − refunds = closing, to the minor unit. */
export function assertRevenueIdentity(body: Json): void {
  const part = (name: string) => minorUnits(body[name].money);
  assert.equal(
    part('openingDeferred') + part('paid') - part('recognised') - part('breakage') - part('refunds'),
    part('closingDeferred'),
    'opening + paid − recognised − breakage − refunds = closing',
  );
}
