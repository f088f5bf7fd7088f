import { formatAmount } from '../domain/amount.ts';
import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import type { PortalPack, PortalSessionRecord } from '../store/payment-records.ts';
import { hashApiKey, randomBase62 } from './api-keys.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { checkPurchaseTerms } from './purchase-terms.ts';
import { checkedUrl, createPurchase, type PurchaseWithInvoice } from './purchases.ts';
import type { Outcome, IdempotencyRequest, Presented } from './idempotency.ts';
import { findUnit } from './wallet-address.ts';

/**
 * Customer portal sessions: a short-lived token for one customer, made with an
 * API key. The token can read that customer's credits and buy the packs the
 * operator listed, nothing else (http/portal-access.ts enforces the routes). Only its
 * SHA-256 is stored; the token travels in the URL's fragment, so it never reaches
 * a server log or a Referer header.
 */
export const PORTAL_TOKEN_PREFIX = 'cb_portal_';
export const DEFAULT_PORTAL_SESSION_SECONDS = 3600;
export const MAX_PORTAL_SESSION_SECONDS = 24 * 3600;

export interface PortalPackInput {
  unit: string;
  amount: unknown;
  price: string;
  currency?: string | undefined;
  name?: string | null | undefined;
}

export interface CreatePortalSessionInput {
  customerId: string;
  returnUrl?: string | null | undefined;
  expiresIn?: number | undefined;
  packs?: PortalPackInput[] | undefined;
}

export async function createPortalSession(
  dependencies: AppDependencies,
  context: RequestContext,
  input: CreatePortalSessionInput,
): Promise<{ session: PortalSessionRecord; url: string }> {
  const environmentId = context.environment.id;
  const expiresIn = input.expiresIn ?? DEFAULT_PORTAL_SESSION_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > MAX_PORTAL_SESSION_SECONDS) {
    throw validationError('expiresIn', `'expiresIn' is a whole number of seconds from 60 to ${MAX_PORTAL_SESSION_SECONDS}.`);
  }
  const returnUrl = checkedUrl(input.returnUrl, 'returnUrl');
  const packs: PortalPack[] = [];
  for (const [index, pack] of (input.packs ?? []).entries()) {
    const unit = await findUnit(dependencies, environmentId, pack.unit).catch(() => {
      throw notFound('unit', pack.unit, `packs.${index}.unit`);
    });
    // Checked as the purchase will check it, so no pack is offered that the customer cannot buy.
    const { amount, currency } = checkPurchaseTerms(pack, { scale: unit.scale, defaultCurrency: dependencies.payments.settings.defaultCurrency, prefix: `packs.${index}.` });
    packs.push({ unit: unit.code, amount: formatAmount(amount), price: pack.price, currency, name: pack.name ?? null });
  }
  const customer = await dependencies.store.read((repository) => repository.accounts.getCustomer(environmentId, input.customerId));
  if (!customer) throw notFound('customer', input.customerId, 'customerId');
  const token = `${PORTAL_TOKEN_PREFIX}${randomBase62(40)}`;
  const now = currentTime(dependencies, context.environment);
  const session: PortalSessionRecord = {
    id: dependencies.newId('ps'),
    environmentId,
    customerId: customer.id,
    tokenHash: hashApiKey(token),
    returnUrl,
    packs,
    expiresAt: now + expiresIn * 1000,
    createdAt: now,
  };
  await dependencies.store.transaction((repository) => repository.portalSessions.insert(session));
  return { session, url: `${dependencies.publicUrl().replace(/\/$/, '')}/portal#${token}` };
}

/**
 * The environment and session of a portal token. An unknown, expired or
 * malformed token is `unauthenticated`, with one message, so nothing is learnt by probing.
 * Expiry is measured on the environment's clock (a test clock moves it too).
 */
export async function authenticatePortalToken(dependencies: AppDependencies, token: string): Promise<{ environment: EnvironmentRecord; session: PortalSessionRecord }> {
  const found = await dependencies.store.read(async (repository) => {
    const session = await repository.portalSessions.findByTokenHash(hashApiKey(token));
    const environment = session && (await repository.accounts.getEnvironment(session.environmentId));
    // A deleted test environment's portal links stop working with its keys.
    return session && environment && !environment.deletedAt ? { session, environment } : undefined;
  });
  if (!found || found.session.expiresAt <= currentTime(dependencies, found.environment)) {
    throw new CreditbookError('unauthenticated', 'This portal link is invalid or has expired. Ask for a new one.');
  }
  return found;
}

/** Starts the purchase of one of the session's packs, through the ordinary purchase flow; it returns to the portal. */
export function buyPortalPack(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    session: PortalSessionRecord;
    pack: number;
    idempotency: IdempotencyRequest | undefined;
    present: (purchase: PurchaseWithInvoice) => Presented;
  },
): Promise<Outcome> {
  const pack = request.session.packs[request.pack];
  if (!pack) throw validationError('pack', `This portal offers ${request.session.packs.length} pack(s); there is no pack ${request.pack}.`);
  const portal = `${dependencies.publicUrl().replace(/\/$/, '')}/portal`;
  return createPurchase(dependencies, {
    context: request.context,
    input: {
      customerId: request.session.customerId,
      unit: pack.unit,
      amount: pack.amount,
      price: pack.price,
      ...(pack.currency ? { currency: pack.currency } : {}),
      name: pack.name,
      metadata: { portalSessionId: request.session.id },
      successUrl: `${portal}?purchase=paid`,
      cancelUrl: `${portal}?purchase=canceled`,
    },
    idempotency: request.idempotency,
    present: request.present,
  });
}
