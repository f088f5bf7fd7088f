import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app/dependencies.ts';
import { getBalance } from '../../app/balances.ts';
import { getGrant } from '../../app/grants.ts';
import { sumAmounts } from '../../domain/amount.ts';
import type { GrantBalance } from '../../domain/balance.ts';
import type { CustomerRecord, GrantRecord, LedgerEntryRecord } from '../../store/records.ts';
import { collectPage, readListParams } from './list-pages.ts';
import { stripeQuery } from './form-encoding.ts';
import { noSuch, stripeParameterError } from './stripe-errors.ts';
import { fromStripeGrantId, fromStripeTransactionId, toStripeCustomerId } from './stripe-ids.ts';
import { StripeParams } from './stripe-params.ts';
import { creditBalanceSummaryObject, creditBalanceTransactionObject, listObject, type CurrencyBalance } from './stripe-presenters.ts';
import { callerOf, orNoSuch, type StripeCaller } from './stripe-request.ts';
import { stripeTransactionKind } from './stripe-transactions.ts';
import { requireCustomer, stripeScaleOf, stripeWalletsOf } from './stripe-wallets.ts';
import { findLedgerEntry, listLedgerEntries } from '../../app/ledger-reads.ts';

/** Which grants of a wallet a summary counts: all of them, or those a filter's scope selects. */
type GrantFilter = (grant: GrantBalance['grant']) => boolean;

/**
 * `GET /v1/billing/credit_balance_summary` and `/v1/billing/credit_balance_transactions[/{id}]`
 * onto app/balances.ts and the ledger.
 */
export function registerCreditBalanceRoutes(server: FastifyInstance, app: AppDependencies): void {
  /** A grant of this customer that Stripe can see, named by a parameter. */
  const customersGrant = async (caller: StripeCaller, customer: CustomerRecord, stripeId: string, param: string): Promise<GrantRecord> => {
    const missing = () => noSuch('credit grant', stripeId, param);
    const grantId = fromStripeGrantId(stripeId);
    if (grantId === undefined) throw missing();
    const { grant } = await orNoSuch(() => getGrant(app, caller.context, grantId), missing);
    if (grant.customerId !== customer.id || (await stripeScaleOf(app, caller.context, grant)) === undefined) throw missing();
    return grant;
  };

  /** One currency's balance: available counts active grants; the ledger balance adds what holds reserve on them. */
  const currencyBalance = async (caller: StripeCaller, customer: CustomerRecord, unit: string, scale: number, counts: GrantFilter): Promise<CurrencyBalance> => {
    const { balance } = await getBalance(app, caller.context, { customerId: customer.id, unit });
    const counted = balance.grants.filter(({ grant }) => counts(grant));
    const available = sumAmounts(counted.filter(({ status }) => status === 'active').map(({ grant }) => grant.available));
    return { currency: unit, scale, available, ledger: available + sumAmounts(counted.map(({ grant }) => grant.held)) };
  };

  /** The entry as a Stripe transaction, or undefined when Stripe does not show it. */
  const transactionObject = async (caller: StripeCaller, entry: LedgerEntryRecord) => {
    const kind = stripeTransactionKind(entry);
    if (!kind) return undefined;
    const scale = await stripeScaleOf(app, caller.context, entry);
    return scale === undefined ? undefined : creditBalanceTransactionObject(entry, kind, scale, caller.livemode);
  };

  server.get('/v1/billing/credit_balance_summary', async (request) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['customer_account', 'expand']);
    const stripeCustomer = params.string('customer', { required: true })!;
    const filter = params.object('filter', { required: true })!;
    const type = filter.enumOf('type', ['applicability_scope', 'credit_grant'], { required: true });
    const grantParam = filter.nameOf('credit_grant');
    const stripeGrant = type === 'credit_grant' ? filter.string('credit_grant', { required: true })! : undefined;
    const scopeFilter = type === 'applicability_scope' ? readScopeFilter(filter.object('applicability_scope', { required: true })!) : undefined;
    params.finish();
    const customer = await requireCustomer(app, caller.context, stripeCustomer, 'customer');
    let balances: CurrencyBalance[];
    if (stripeGrant !== undefined) {
      const grant = await customersGrant(caller, customer, stripeGrant, grantParam);
      const scale = (await stripeScaleOf(app, caller.context, grant))!;
      balances = [await currencyBalance(caller, customer, grant.unit, scale, (candidate) => candidate.id === grant.id)];
    } else {
      const wallets = await stripeWalletsOf(app, caller.context, customer.id);
      balances = await Promise.all(wallets.map(({ wallet, scale }) => currencyBalance(caller, customer, wallet.unit, scale, scopeFilter!)));
    }
    return creditBalanceSummaryObject(toStripeCustomerId(customer.id), balances, caller.livemode);
  });

  server.get('/v1/billing/credit_balance_transactions', async (request) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['customer_account']);
    const stripeCustomer = params.string('customer', { required: true })!;
    const stripeGrant = params.string('credit_grant');
    const list = readListParams(params, { what: 'credit balance transaction', fromStripeId: fromStripeTransactionId });
    params.finish();
    const customer = await requireCustomer(app, caller.context, stripeCustomer, 'customer');
    const grant = stripeGrant === undefined ? undefined : await customersGrant(caller, customer, stripeGrant, 'credit_grant');
    const filters = { customerId: customer.id, walletKey: '', ...(grant ? { grantId: grant.id } : {}) };
    const page = await collectPage(list, {
      fetch: (pageRequest) => listLedgerEntries(app, caller.context, filters, pageRequest),
      idOf: (entry) => entry.id,
      keep: (entry) => transactionObject(caller, entry),
    });
    return listObject(page, '/v1/billing/credit_balance_transactions');
  });

  server.get('/v1/billing/credit_balance_transactions/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['expand']);
    params.finish();
    const stripeId = request.params.id;
    const entryId = fromStripeTransactionId(stripeId);
    const entry = entryId === undefined ? undefined : await findLedgerEntry(app, caller.context, entryId);
    const view = entry && (await transactionObject(caller, entry));
    if (!view) throw noSuch('credit balance transaction', stripeId);
    return view;
  });
}

/**
 * `filter[applicability_scope]`: `price_type=metered` counts the grants that apply
 * to every metered price; `prices[][id]` counts those usable for any of the
 * prices (grants for every price, and grants naming one of them).
 */
function readScopeFilter(scope: StripeParams): GrantFilter {
  const priceType = scope.enumOf('price_type', ['metered']);
  const prices = scope.objectList('prices')?.map((price) => price.string('id', { required: true, maxLength: 100 })!);
  if (priceType !== undefined && prices !== undefined) {
    throw stripeParameterError(scope.nameOf('prices'), `You may only specify one of these parameters: ${scope.nameOf('price_type')}, ${scope.nameOf('prices')}.`, 'parameters_exclusive');
  }
  if (prices !== undefined && prices.length > 0) return (grant) => grant.appliesTo.length === 0 || grant.appliesTo.some((id) => prices.includes(id));
  if (priceType === undefined) throw stripeParameterError(scope.nameOf('price_type'), `Missing required param: ${scope.nameOf('price_type')}.`, 'parameter_missing');
  return (grant) => grant.appliesTo.length === 0;
}
