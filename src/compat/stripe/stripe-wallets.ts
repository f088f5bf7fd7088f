import { createUnit, getCustomer, listWallets } from '../../app/accounts.ts';
import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { findUnit } from '../../app/wallet-address.ts';
import { CreditbookError } from '../../domain/errors.ts';
import type { CustomerRecord, WalletAddress, WalletRecord } from '../../store/records.ts';
import { currencyScale } from './currencies.ts';
import { noSuch, stripeParameterError } from './stripe-errors.ts';
import { fromStripeCustomerId } from './stripe-ids.ts';
import { orNoSuch } from './stripe-request.ts';

/**
 * A Stripe customer's credit in one currency is one Creditbook wallet: the
 * customer, the unit named by the lower-case currency code, and the default
 * wallet key (''). The unit is created on first use with the currency's
 * minor-unit scale (usd 2, jpy 0, kwd 3).
 *
 * A wallet is visible to Stripe only if it is of that form and its unit has
 * exactly that scale, so every amount in it is a whole number of minor units.
 * Wallets with a key (a subscription, a resource) and units that are not
 * currencies (`ai_credits`) belong to other dialects and the native API.
 */
export function isStripeWallet(address: Pick<WalletAddress, 'unit' | 'walletKey'>, unitScale: number): boolean {
  return address.walletKey === '' && currencyScale(address.unit) === unitScale;
}

/** The currency's scale when the wallet is visible to Stripe, otherwise undefined. */
export async function stripeScaleOf(
  dependencies: AppDependencies,
  context: RequestContext,
  address: Pick<WalletAddress, 'unit' | 'walletKey'>,
): Promise<number | undefined> {
  if (address.walletKey !== '' || currencyScale(address.unit) === undefined) return undefined;
  const unit = await findUnit(dependencies, context.environment.id, address.unit).catch(() => undefined);
  return unit && isStripeWallet(address, unit.scale) ? unit.scale : undefined;
}

/** Checks a currency code (no I/O) and returns its scale. */
export function requireCurrency(currency: string, param: string): number {
  const scale = currencyScale(currency);
  if (scale === undefined) throw stripeParameterError(param, `Invalid currency: ${currency}. Use a three-letter ISO currency code that Stripe supports, such as usd.`);
  return scale;
}

/** Creates the currency's unit on first use; a unit of that code with another scale cannot carry Stripe amounts. */
export async function ensureCurrencyUnit(dependencies: AppDependencies, context: RequestContext, currency: string, param: string): Promise<void> {
  const scale = requireCurrency(currency, param);
  const wrongScale = () =>
    stripeParameterError(param, `The Creditbook unit '${currency}' exists with a scale other than ${scale}, so it cannot hold ${currency.toUpperCase()} amounts in minor units.`);
  // Units are never deleted and keep their scale, so the cached lookup spares a write transaction on every grant.
  const existing = await findUnit(dependencies, context.environment.id, currency).catch(() => undefined);
  if (existing) {
    if (existing.scale !== scale) throw wrongScale();
    return;
  }
  try {
    await createUnit(dependencies, context, { code: currency, scale, name: currency.toUpperCase() });
  } catch (error) {
    if (error instanceof CreditbookError && error.code === 'state_conflict') throw wrongScale();
    throw error;
  }
}

/** The Creditbook customer behind a Stripe customer ID; Stripe's "No such customer" otherwise (a 400 naming `param`, or a 404 for a path). */
export async function requireCustomer(dependencies: AppDependencies, context: RequestContext, stripeCustomerId: string, param?: string): Promise<CustomerRecord> {
  const missing = () => noSuch('customer', stripeCustomerId, param);
  const customerId = fromStripeCustomerId(stripeCustomerId);
  if (customerId === undefined) throw missing();
  return orNoSuch(() => getCustomer(dependencies, context, customerId), missing);
}

/** The customer's wallets Stripe can see, by currency. A customer has a handful of wallets, so this reads them all. */
export async function stripeWalletsOf(
  dependencies: AppDependencies,
  context: RequestContext,
  customerId: string,
): Promise<Array<{ wallet: WalletRecord; scale: number }>> {
  const found: Array<{ wallet: WalletRecord; scale: number }> = [];
  let startingAfter: string | null = null;
  for (;;) {
    const page = await listWallets(dependencies, context, { customerId }, { limit: 100, startingAfter });
    for (const wallet of page.data) {
      const scale = await stripeScaleOf(dependencies, context, wallet);
      if (scale !== undefined) found.push({ wallet, scale });
    }
    if (!page.hasMore || page.data.length === 0) break;
    startingAfter = page.data[page.data.length - 1]!.id;
  }
  return found.sort((left, right) => (left.wallet.unit < right.wallet.unit ? -1 : left.wallet.unit > right.wallet.unit ? 1 : 0));
}
