import { checkMetadataKeys } from '../domain/metadata.ts';
import { parseAmount } from '../domain/amount.ts';
import { parsePeriod } from '../domain/periods.ts';
import { CreditbookError, notFound, validationError } from '../domain/errors.ts';
import type { CustomerRecord, GrantRecord, Metadata, Page, PageRequest, UnitRecord, WalletAddress, WalletRecord } from '../store/records.ts';
import { recordAudit } from './audit-log.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { idempotentWrite } from './idempotent-write.ts';
import { pageInIdWindows } from './list-windows.ts';
import type { IdempotencyRequest, Outcome, Presented } from './idempotency.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';
import { runWalletOperation } from './wallet-operation.ts';

/** Letters (either case), digits, _ | . or -, starting with a letter or digit: also every Stigg currency ID of up to 64 characters. */
export const UNIT_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_|.-]{0,63}$/;

/** What a unit may say about itself besides its code, scale and name (a Stigg custom currency's fields). */
export type UnitDetails = Pick<UnitRecord, 'description' | 'symbol' | 'unitNames' | 'metadata'>;

/** Customers: created explicitly, with the caller's own ID or a generated `cus_…`; every wallet names one. */
export async function createCustomer(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    input: { id?: string; externalId?: string | null; name?: string | null; email?: string | null; metadata?: Metadata };
    idempotency?: IdempotencyRequest | undefined;
    present: (customer: CustomerRecord) => Presented;
  },
): Promise<Outcome> {
  const { context, input } = request;
  checkMetadataKeys(input.metadata);
  const environmentId = context.environment.id;
  return idempotentWrite(dependencies, request, async (repository) => {
    if (input.id !== undefined && (await repository.accounts.getCustomer(environmentId, input.id))) {
      throw new CreditbookError('state_conflict', `A customer with id '${input.id}' already exists.`, { param: 'id' });
    }
    if (input.externalId && (await repository.accounts.findCustomerByExternalId(environmentId, input.externalId))) {
      throw new CreditbookError('state_conflict', `A customer with externalId '${input.externalId}' already exists.`, { param: 'externalId' });
    }
    const customer: CustomerRecord = {
      id: input.id ?? dependencies.newId('cus'),
      environmentId,
      externalId: input.externalId ?? null,
      name: input.name ?? null,
      email: input.email ?? null,
      metadata: input.metadata ?? {},
      createdAt: currentTime(dependencies, context.environment),
    };
    await repository.accounts.insertCustomer(customer);
    return request.present(customer);
  });
}

export async function getCustomer(dependencies: AppDependencies, context: RequestContext, id: string): Promise<CustomerRecord> {
  const customer = await findCustomer(dependencies, context, id);
  if (!customer) throw notFound('customer', id, 'id');
  return customer;
}

export function findCustomer(dependencies: AppDependencies, context: RequestContext, id: string): Promise<CustomerRecord | undefined> {
  return dependencies.store.read((repository) => repository.accounts.getCustomer(context.environment.id, id));
}

/** `search` matches a part of the ID, name, external ID or email, ignoring case. */
export function listCustomers(dependencies: AppDependencies, context: RequestContext, page: PageRequest, search?: string): Promise<Page<CustomerRecord>> {
  return dependencies.store.read((repository) => repository.accounts.listCustomers(context.environment.id, page, search));
}

/**
 * Units are the credit currencies. Creating a unit that exists with the same
 * scale returns it (safe to retry); with another scale it is a conflict, since a
 * scale never changes once amounts exist.
 */
export async function createUnit(
  dependencies: AppDependencies,
  context: RequestContext,
  input: { code: string; scale: number; name?: string | null } & Partial<UnitDetails>,
): Promise<{ unit: UnitRecord; created: boolean }> {
  if (!UNIT_CODE_PATTERN.test(input.code)) {
    throw validationError('code', "'code' must be up to 64 letters, digits, _ | . or -, starting with a letter or digit.");
  }
  checkMetadataKeys(input.metadata);
  const environmentId = context.environment.id;
  return dependencies.store.transaction(async (repository) => {
    const unit: UnitRecord = {
      environmentId,
      code: input.code,
      scale: input.scale,
      name: input.name ?? null,
      description: input.description ?? null,
      symbol: input.symbol ?? null,
      unitNames: input.unitNames ?? null,
      metadata: input.metadata ?? {},
      createdAt: currentTime(dependencies, context.environment),
    };
    if (await repository.accounts.insertUnit(unit)) {
      await recordAudit(dependencies, repository, context, unit.code);
      return { unit, created: true };
    }
    const existing = (await repository.accounts.getUnit(environmentId, input.code))!;
    if (existing.scale !== input.scale) {
      throw new CreditbookError('state_conflict', `Unit '${input.code}' exists with scale ${existing.scale}.`, { param: 'scale' });
    }
    return { unit: existing, created: false };
  });
}

/** The unit with this code, read now (`findUnit` in wallet-address.ts remembers units for the write path). */
export function findUnitByCode(dependencies: AppDependencies, context: RequestContext, code: string): Promise<UnitRecord | undefined> {
  return dependencies.store.read((repository) => repository.accounts.getUnit(context.environment.id, code));
}

export function listUnits(dependencies: AppDependencies, context: RequestContext): Promise<UnitRecord[]> {
  return dependencies.store.read((repository) => repository.accounts.listUnits(context.environment.id));
}

/** Creates the wallet if needed and sets its overdraft limit. */
export async function upsertWallet(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    /** usagePeriod: a period (ISO 8601, e.g. P1M) and its anchor; null removes it; absent leaves it. */
    input: WalletReference & { overdraftLimit?: unknown; usagePeriod?: { period: string; anchor: number } | null };
    present: (wallet: WalletRecord) => Presented;
  },
): Promise<Outcome> {
  const { context, input } = request;
  const { address, unit } = await resolveWallet(dependencies, context, input);
  const limit = input.overdraftLimit === undefined ? undefined : parseAmount(input.overdraftLimit, { param: 'overdraftLimit', scale: unit.scale, positive: false });
  if (limit !== undefined && limit < 0n) throw validationError('overdraftLimit', "'overdraftLimit' must not be negative.");
  if (input.usagePeriod) parsePeriod(input.usagePeriod.period, 'usagePeriod.period');
  return runWalletOperation(dependencies, {
    context,
    address,
    ifMissing: 'create',
    compute: (engine) => {
      if (limit !== undefined) engine.setOverdraftLimit(limit);
      if (input.usagePeriod !== undefined) engine.setUsagePeriod(input.usagePeriod);
      return engine.snapshot.wallet;
    },
    present: (_, effects, loaded) => request.present({ ...loaded.wallet, ...effects.snapshot.wallet }),
  });
}

/**
 * Wallets, newest first: a customer's in one read (an index range of a few); the environment's, by unit or key or
 * not, in windows of the primary key a turn apart (list-windows.ts), which holds every environment's wallets (one
 * statement took 86 ms a page on SQLite for a small environment beside one of 200,000, 97 ms for a key one wallet
 * has). A wallet's environment, unit and key never change, so whether it matches does not depend on the window's
 * snapshot.
 */
export function listWallets(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string; unit?: string; walletKey?: string },
  page: PageRequest,
  options: { windowRows?: number } = {},
): Promise<Page<WalletRecord>> {
  const environmentId = context.environment.id;
  if (filters.customerId !== undefined) return dependencies.store.read((repository) => repository.wallets.list(environmentId, filters, page));
  return pageInIdWindows(
    dependencies,
    page,
    (repository, id) => repository.wallets.getById(environmentId, id, { lock: false }),
    (repository, input) => repository.wallets.listWindow(environmentId, filters, input),
    options,
  );
}

/** The wallet at an address of the caller's environment, if it exists. */
export function findWallet(dependencies: AppDependencies, context: RequestContext, address: Omit<WalletAddress, 'environmentId'>): Promise<WalletRecord | undefined> {
  return dependencies.store.read((repository) => repository.wallets.find(Object.assign({}, address, { environmentId: context.environment.id }), { lock: false }));
}

/** Every grant of a wallet the caller found (live and ended), oldest first, as stored. */
export function listAllWalletGrants(dependencies: AppDependencies, wallet: WalletRecord): Promise<GrantRecord[]> {
  return dependencies.store.read((repository) => repository.grants.loadAll(wallet.id));
}

