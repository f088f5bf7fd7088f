import type { AppDependencies, RequestContext } from '../../app/dependencies.ts';
import { lookupKey } from '../../app/lookups.ts';
import { sumAmounts, type Amount } from '../../domain/amount.ts';
import { CreditbookError } from '../../domain/errors.ts';
import { parsePeriod, periodAt } from '../../domain/periods.ts';
import type { Instant } from '../../domain/types.ts';
import type { WalletRecord } from '../../store/records.ts';
import { findWallet, listAllWalletGrants, listWallets } from '../../app/accounts.ts';

/**
 * A Paygentic entitlement is a Creditbook wallet whose key is `entitlement:<id>`.
 *
 * It comes into being through the native API, as Paygentic's own entitlements
 * come from a subscription rather than from the grants API:
 * `POST /v1/wallets {customerId, unit, walletKey: "entitlement:ent_abc123"}`.
 * The wallet's customer is the entitlement's customer and its unit is the
 * metered feature. An entitlement ID names one wallet per environment; if two
 * customers' wallets carry the same key, requests for it fail with a conflict
 * rather than guess (checked when the entitlement is first looked up by a process).
 */
export const ENTITLEMENT_KEY_PREFIX = 'entitlement:';

export function entitlementWalletKey(entitlementId: string): string {
  return `${ENTITLEMENT_KEY_PREFIX}${entitlementId}`;
}

/**
 * Finding an entitlement by its key reads the environment's wallets (no index
 * has the key first), so the address found is remembered (bounded): wallets are
 * never deleted and never change address, and later reads are point lookups.
 * The wallet row itself is read fresh every time.
 */
export async function findEntitlement(dependencies: AppDependencies, context: RequestContext, entitlementId: string): Promise<WalletRecord> {
  const environmentId = context.environment.id;
  const walletKey = entitlementWalletKey(entitlementId);
  const cacheKey = lookupKey(environmentId, walletKey);
  const known = dependencies.lookups.entitlementWallets.get(cacheKey);
  if (known) {
    const wallet = await findWallet(dependencies, context, known);
    if (wallet) return wallet;
  }
  const page = await listWallets(dependencies, context, { walletKey }, { limit: 2, startingAfter: null });
  if (page.data.length === 0) {
    throw new CreditbookError(
      'not_found',
      `No entitlement '${entitlementId}'. Create it as a wallet with walletKey '${walletKey}' (POST /v1/wallets).`,
      { param: 'entitlementId' },
    );
  }
  if (page.data.length > 1) {
    throw new CreditbookError('state_conflict', `More than one wallet has walletKey '${walletKey}'; an entitlement must name one wallet.`, {
      param: 'entitlementId',
    });
  }
  const wallet = page.data[0]!;
  dependencies.lookups.entitlementWallets.set(cacheKey, { environmentId, customerId: wallet.customerId, unit: wallet.unit, walletKey });
  return wallet;
}

/**
 * Paygentic's default `effectiveAt`: the start of the entitlement's current usage
 * period, when its wallet has one (set through the native API); otherwise now
 * (undefined lets the engine use its clock).
 */
export function currentPeriodStart(wallet: WalletRecord, now: Instant): Instant | undefined {
  if (wallet.period === null || wallet.periodAnchor === null) return undefined;
  return periodAt(wallet.periodAnchor, parsePeriod(wallet.period), now)?.start;
}

/**
 * What the entitlement's customer has used when its wallet has no usage period:
 * then the period is the entitlement's whole life. That is every grant's consumed
 * part plus the overdraft still owed (a repayment moves usage from the overdraft
 * to the repaying grant, so nothing is counted twice). With a usage period, the
 * engine counts the period's usage itself (BalanceView.period).
 */
export async function usageSinceStart(dependencies: AppDependencies, input: { wallet: WalletRecord; overdraft: Amount }): Promise<Amount> {
  const grants = await listAllWalletGrants(dependencies, input.wallet);
  return sumAmounts(grants.map((grant) => grant.consumed)) + input.overdraft;
}
