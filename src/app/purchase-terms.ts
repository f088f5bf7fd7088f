import { parseAmount, type Amount } from '../domain/amount.ts';
import { requireCurrency } from '../domain/currencies.ts';
import { parsePrice } from '../payments/money.ts';

/** What is bought and for how much: a purchase's terms, and a portal pack's (portal-sessions.ts). */
export interface PurchaseTerms {
  amount: unknown;
  price: string;
  currency?: string | undefined;
}

/**
 * Checks the credits, the currency and the price of a purchase against the unit's
 * scale and the currency's minor unit. One function for both callers, so a portal
 * pack that is accepted can be bought: the portal checks it when the session is made,
 * where the operator's field is still named (`prefix` "packs.0." gives `packs.0.price`).
 */
export function checkPurchaseTerms(
  terms: PurchaseTerms,
  options: { scale: number; defaultCurrency: string; prefix?: string },
): { amount: Amount; currency: string; priceMinor: bigint } {
  const prefix = options.prefix ?? '';
  const amount = parseAmount(terms.amount, { param: `${prefix}amount`, scale: options.scale });
  const currency = requireCurrency(terms.currency ?? options.defaultCurrency, `${prefix}currency`);
  const priceMinor = parsePrice(terms.price, currency, `${prefix}price`);
  return { amount, currency, priceMinor };
}
