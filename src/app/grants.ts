import { requireCurrency } from '../domain/currencies.ts';
import { checkMetadataKeys } from '../domain/metadata.ts';
import { parseAmount, type Amount } from '../domain/amount.ts';
import { parsePeriod } from '../domain/periods.ts';
import { notFound, validationError } from '../domain/errors.ts';
import { projectGrant } from '../domain/grant-status.ts';
import { advanceSnapshot } from '../domain/balance.ts';
import type { GrantCategory, GrantState, GrantStatus, Instant } from '../domain/types.ts';
import type { Repository } from '../store/repository/repository.ts';
import type { CreatedAtRange } from '../store/repository/grant-queries.ts';
import type { GrantRecord, Metadata, Page, PageRequest, ScheduleRecord } from '../store/records.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { idempotencyIn, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';
import { resolveWallet, type WalletReference } from './wallet-address.ts';
import { bookedOf, type Booked } from './booked.ts';
import { loadSnapshotThrough } from './wallet-grants.ts';
import { runWalletOperation } from './wallet-operation.ts';

export type PresentGrant = (grant: GrantRecord, now: Instant, booked: Booked) => Presented;

export interface CreateGrantInput extends WalletReference {
  amount: unknown;
  category?: GrantCategory | undefined;
  priority?: number | undefined;
  effectiveAt?: Instant | undefined;
  expiresAt?: Instant | null | undefined;
  name?: string | null | undefined;
  metadata?: Metadata | undefined;
  cost?: { amount: unknown; currency: string } | null | undefined;
  appliesTo?: string[] | undefined;
  /** Re-issue the grant at every boundary of this ISO 8601 period (P1D, P1W, P1M, P1Y), until cancelled or recurrenceEndsAt. */
  recurrencePeriod?: string | null | undefined;
  recurrenceEndsAt?: Instant | null | undefined;
  resetMaxRollover?: unknown;
  resetMinRollover?: unknown;
}

export const DEFAULT_PRIORITY = 50;


/** Creates a grant; the wallet is created on first use. Idempotency keys for grants are scoped to the wallet and kept forever. */
export async function createGrant(
  dependencies: AppDependencies,
  request: {
    context: RequestContext;
    input: CreateGrantInput;
    idempotency?: IdempotencyRequest | undefined;
    present: PresentGrant;
    /** `create`: a dialect whose customers come into being with their first grant (Stigg); created in the grant's transaction. */
    missingCustomer?: 'refuse' | 'create';
  },
): Promise<Outcome> {
  const { context, input } = request;
  const createsCustomer = request.missingCustomer === 'create';
  const { address, unit } = await resolveWallet(dependencies, context, input, { missingCustomer: request.missingCustomer ?? 'refuse' });
  const amount = parseAmount(input.amount, { scale: unit.scale });
  checkMetadataKeys(input.metadata);
  const cost = input.cost ? { amount: parseAmount(input.cost.amount, { param: 'cost.amount', positive: false }), currency: requireCurrency(input.cost.currency, 'cost.currency') } : null;
  if (cost && cost.amount < 0n) throw validationError('cost.amount', "'cost.amount' must not be negative.");
  const rollover = parseRollover(input, unit.scale);
  const grantId = dependencies.newId('grt');
  const scheduleId = input.recurrencePeriod ? dependencies.newId('sch') : null;
  const now = currentTime(dependencies, context.environment);
  const effectiveAt = input.effectiveAt ?? now;
  // Only the check that does not depend on the clock goes before the idempotency lookup: the engine
  // checks expiresAt against now after it, so a late retry of a grant that has expired since still replays.
  if (input.expiresAt != null && input.effectiveAt !== undefined && input.expiresAt <= input.effectiveAt) {
    throw validationError('expiresAt', 'expiresAt must be later than effectiveAt.');
  }
  return runWalletOperation(dependencies, {
    context,
    address,
    ifMissing: 'create',
    createsCustomer,
    ...idempotencyIn('wallet', request.idempotency),
    compute: (engine, loaded) => {
      const newGrant = {
        id: grantId,
        amount,
        category: input.category ?? 'promotional',
        priority: input.priority ?? DEFAULT_PRIORITY,
        effectiveAt,
        expiresAt: input.expiresAt ?? null,
        appliesTo: input.appliesTo ?? [],
        ...rollover,
      } as const;
      const made =
        scheduleId === null
          ? { grant: engine.addGrant(newGrant), schedule: null }
          : engine.createSchedule({ scheduleId, firstGrant: newGrant, recurrencePeriod: input.recurrencePeriod!, endsAt: input.recurrenceEndsAt ?? null });
      const schedule: ScheduleRecord | null = made.schedule && Object.assign({}, made.schedule, address, {
        walletId: loaded.wallet.id,
        name: input.name ?? null,
        metadata: input.metadata ?? {},
        createdAt: engine.now,
      });
      const grant: GrantRecord = Object.assign({}, made.grant, address, {
        walletId: loaded.wallet.id,
        recurrencePeriod: input.recurrencePeriod ?? null,
        name: input.name ?? null,
        metadata: input.metadata ?? {},
        costAmount: cost?.amount ?? null,
        costCurrency: cost?.currency ?? null,
      });
      return { grant, schedule };
    },
    persist: async (repository, { grant, schedule }, effects) => {
      // The schedule as the engine left it (its first issue is booked).
      if (schedule) await repository.schedules.insert({ ...schedule, ...effects.snapshot.schedules.find((candidate) => candidate.id === schedule.id) });
      // The grant as the engine left it too: the span of the entries booked for it (its `grant` entry, if it is effective now).
      await repository.grants.insert(Object.assign(grant, effects.snapshot.grants.find((candidate) => candidate.id === grant.id)));
      return grant;
    },
    present: (grant, effects, loaded, presentedAt) => request.present(grant, presentedAt, bookedOf(effects, loaded)),
  });
}

export async function getGrant(dependencies: AppDependencies, context: RequestContext, grantId: string): Promise<{ grant: GrantRecord; now: Instant }> {
  const now = currentTime(dependencies, context.environment);
  const grant = await dependencies.store.read(async (repository) => {
    const stored = await repository.grants.get(context.environment.id, grantId);
    return stored && (await grantsAsOf(repository, [stored], now))[0];
  });
  if (!grant) throw notFound('grant', grantId, 'id');
  return { grant, now };
}

/**
 * Grants as of `now` when the sweep may not have booked what is due yet. A grant
 * with credit on hold can change when a hold expires, so its whole wallet is
 * advanced in memory (as a balance read does); any other grant only needs its own
 * expiry applied.
 */
export async function grantsAsOf(repository: Repository, grants: GrantRecord[], now: Instant): Promise<GrantRecord[]> {
  const advanced = new Map<string, GrantState>();
  for (const walletId of new Set(grants.filter((grant) => grant.held > 0n).map((grant) => grant.walletId))) {
    const wallet = await repository.wallets.getById(grants[0]!.environmentId, walletId, { lock: false });
    if (!wallet) continue;
    for (const grant of advanceSnapshot(await loadSnapshotThrough(repository, wallet, now), now).grants) advanced.set(grant.id, grant);
  }
  return grants.map((grant) => {
    const state = advanced.get(grant.id);
    return state ? { ...grant, ...state } : projectGrant(grant, now);
  });
}

export async function listGrants(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string; unit?: string; walletKey?: string; includeVoided: boolean; status?: GrantStatus; createdAt?: CreatedAtRange },
  pageRequest: PageRequest,
): Promise<{ page: Page<GrantRecord>; now: Instant }> {
  const now = currentTime(dependencies, context.environment);
  const { status, ...stored } = filters;
  const result = await dependencies.store.read(async (repository) => {
    const page = await repository.grants.list(context.environment.id, Object.assign({}, stored, status ? { status: { status, now } } : {}), pageRequest);
    return { ...page, data: await grantsAsOf(repository, page.data, now) };
  });
  return { page: result, now };
}

export interface UpdateGrantInput {
  expiresAt?: Instant | null;
  priority?: number;
  name?: string | null;
  metadata?: Metadata;
}

type GrantAction = { kind: 'update'; changes: UpdateGrantInput } | { kind: 'void' } | { kind: 'expire' };

/** Update, void and expire-now all lock the grant's wallet and go through the engine. */
export async function changeGrant(
  dependencies: AppDependencies,
  request: { context: RequestContext; grantId: string; action: GrantAction; idempotency?: IdempotencyRequest | undefined; present: PresentGrant },
): Promise<Outcome> {
  const { context, grantId, action } = request;
  if (action.kind === 'update') checkMetadataKeys(action.changes.metadata);
  const existing = await dependencies.store.read((repository) => repository.grants.get(context.environment.id, grantId));
  if (!existing) throw notFound('grant', grantId, 'id');
  return runWalletOperation(dependencies, {
    context,
    address: existing,
    ifMissing: () => notFound('grant', grantId),
    grantIds: [grantId],
    ...idempotencyIn('environment', request.idempotency),
    compute: (engine): GrantRecord => {
      if (action.kind === 'void') return { ...existing, ...engine.voidGrant(grantId) };
      if (action.kind === 'expire') return { ...existing, ...engine.expireGrant(grantId) };
      const { changes } = action;
      const engineChanges: { expiresAt?: Instant | null; priority?: number } = {};
      if (changes.expiresAt !== undefined) engineChanges.expiresAt = changes.expiresAt;
      if (changes.priority !== undefined) engineChanges.priority = changes.priority;
      return {
        ...existing,
        ...engine.updateGrant(grantId, engineChanges),
        name: changes.name !== undefined ? changes.name : existing.name,
        metadata: changes.metadata !== undefined ? mergeMetadata(existing.metadata, changes.metadata) : existing.metadata,
      };
    },
    // Only an update writes rows of its own; a void or expire that finds nothing to do writes (and audits) nothing.
    ...(action.kind === 'update'
      ? {
          persist: async (repository: Repository, grant: GrantRecord) => {
            await repository.grants.updateDetails(grantId, { name: grant.name, metadata: grant.metadata });
            return grant;
          },
        }
      : {}),
    present: (grant, effects, loaded, now) => request.present(grant, now, bookedOf(effects, loaded)),
  });
}

function parseRollover(input: CreateGrantInput, scale: number): { resetMaxRollover: Amount | null; resetMinRollover: Amount | null } {
  const parse = (value: unknown, param: string) =>
    value === undefined || value === null ? null : parseAmount(value, { param, scale, positive: false });
  const resetMaxRollover = parse(input.resetMaxRollover, 'resetMaxRollover');
  const resetMinRollover = parse(input.resetMinRollover, 'resetMinRollover');
  for (const [param, value] of [['resetMaxRollover', resetMaxRollover], ['resetMinRollover', resetMinRollover]] as const) {
    if (value !== null && value < 0n) throw validationError(param, `'${param}' must not be negative.`);
  }
  if (resetMaxRollover !== null && resetMinRollover !== null && resetMinRollover > resetMaxRollover) {
    throw validationError('resetMinRollover', 'resetMinRollover must not be more than resetMaxRollover.');
  }
  if (input.recurrencePeriod) parsePeriod(input.recurrencePeriod, 'recurrencePeriod');
  if (!input.recurrencePeriod && input.recurrenceEndsAt != null) {
    throw validationError('recurrenceEndsAt', 'recurrenceEndsAt needs recurrencePeriod.');
  }
  return { resetMaxRollover, resetMinRollover };
}

/** As in Stripe: keys are merged, and a key set to "" is removed. */
export function mergeMetadata(existing: Metadata, changes: Metadata): Metadata {
  const merged: Metadata = { ...existing };
  for (const [key, value] of Object.entries(changes)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
