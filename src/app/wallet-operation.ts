import { ZERO } from '../domain/amount.ts';
import type { GrantState, Instant, WalletSnapshot } from '../domain/types.ts';
import { WalletTransaction, type WalletTransactionResult } from '../domain/wallet-transaction.ts';
import type { GrantRecord, HoldRecord, ScheduleRecord, WalletAddress, WalletRecord } from '../store/records.ts';
import { debitCreatedEventId } from '../store/repository/event-queries.ts';
import type { Repository } from '../store/repository/repository.ts';
import { presentedObjectId, recordAudit } from './audit-log.ts';
import { watchBalance } from './balance-alerts.ts';
import { lastDebitAfter } from './debit-ids.ts';
import { currentTime, type AppDependencies, type RequestContext } from './dependencies.ts';
import { findCallerOperation, rememberCallerOperation, type CallerOperationId } from './caller-operation-ids.ts';
import { findReplay, rememberResponse, type Outcome, type Presented, type ScopedIdempotency } from './idempotency.ts';
import { canServe, stateAfter, walletCoalesceKey, walletRowAfter } from './remembered-wallet.ts';
import { shownWalletKey } from './wallet-address.ts';
import { loadSnapshotThrough } from './wallet-grants.ts';

export interface LoadedWallet {
  wallet: WalletRecord;
  grants: Map<string, GrantState>;
  holds: ReadonlyMap<string, HoldRecord>;
  schedules: ReadonlyMap<string, ScheduleRecord>;
}

/**
 * One write to one wallet. `compute` runs the engine and returns what the
 * operation made (`Result`); `persist` writes it and returns what the response
 * shows (`Shown`, by default the result itself); `present` shapes the response.
 */
export interface WalletOperation<Result, Shown = Result> {
  context: RequestContext;
  address: WalletAddress;
  /** When the wallet does not exist: `create` it (writes that add or book credit), or throw this error. */
  ifMissing: 'create' | (() => Error);
  /**
   * With `ifMissing: 'create'`: when the wallet is missing, its customer may be too, and is created with it, in this
   * transaction, so an operation refused later (by the engine, against the clock) leaves neither behind.
   */
  createsCustomer?: boolean;
  /**
   * `environment`: a caller's key, kept 24 hours. `wallet`: a grant's key, kept forever.
   * `usage-event`: a usage event's own ID, unique per environment and kept forever.
   */
  idempotency?: ScopedIdempotency;
  /** A caller's id for the operation, unique per wallet: checked once the wallet is locked, recorded with what it booked. */
  callerOperation?: CallerOperationId & { operationIdOf: (shown: Shown) => string };
  /** Grants to load besides the live ones (for example the grant being voided). */
  grantIds?: string[];
  /** Holds to load besides the active ones. */
  holdIds?: string[];
  /** Pure: runs the engine on the loaded wallet and returns what the operation made. */
  compute: (engine: WalletTransaction, loaded: LoadedWallet) => Result;
  /** Writes rows the generic step cannot (new grants, holds, debits), after the engine ran; returns what the response shows. */
  persist?: (repository: Repository, result: Result, effects: WalletTransactionResult, now: Instant) => Promise<Shown>;
  present: (shown: Shown, effects: WalletTransactionResult, loaded: LoadedWallet, now: Instant) => Presented;
  /** The object the audit log names when what the operation shows has no `id` (default: the wallet). */
  auditedObjectId?: string;
  /**
   * The operation may run on the wallet state this process remembers, in one round trip, where the
   * store can (`Store.cachedWalletTransaction`). Only for operations whose `persist` writes rows of
   * their own and never reads, and that load no grants or holds besides the live ones.
   */
  oneTrip?: boolean;
}

/**
 * load → compute → persist, in one transaction serialised on the wallet row.
 *
 * Invariant: ledger entries, projections (grant remainders, the wallet row),
 * outbox events, the audit row, the idempotency record and the caller's
 * operation id are written in the same transaction,
 * so a crash leaves all of them or none.
 */
export function runWalletOperation<Result, Shown = Result>(dependencies: AppDependencies, operation: WalletOperation<Result, Shown>): Promise<Outcome> {
  // Operations on one wallet serialise on its row lock anyway; a store may run concurrent ones together.
  const coalesceKey = walletCoalesceKey(operation.address);
  const full = async (repository: Repository) => {
    const wallet = await lockWallet(dependencies, repository, operation);
    return operateOnLockedWallet(dependencies, repository, wallet, operation);
  };
  const { store } = dependencies;
  if (operation.oneTrip && store.cachedWalletTransaction && !operation.callerOperation && !operation.grantIds && !operation.holdIds) {
    return store.cachedWalletTransaction<Outcome, LoadedWallet>(coalesceKey, {
      attempt: (repository, cached) => operateOnLockedWallet(dependencies, repository, cached.wallet, operation, cached),
      full,
    });
  }
  return store.transaction(async (repository) => (await full(repository)).value, { coalesceKey });
}

/**
 * The pipeline for a wallet whose row lock the current transaction already holds, or (with `cached`)
 * for a remembered state whose writes the store guards by the wallet row's version. There the
 * idempotency key is not looked up: its record's INSERT fails if the key was ever used, which
 * writes nothing, and today's path then replays or refuses it.
 */
async function operateOnLockedWallet<Result, Shown = Result>(
  dependencies: AppDependencies,
  repository: Repository,
  wallet: WalletRecord,
  operation: Omit<WalletOperation<Result, Shown>, 'address' | 'ifMissing'>,
  cached?: LoadedWallet,
): Promise<{ value: Outcome; next: LoadedWallet | undefined }> {
  const environmentId = operation.context.environment.id;
  const idempotency = operation.idempotency;
  const scope = idempotency?.scope === 'wallet' ? `wallet:${wallet.id}` : (idempotency?.scope ?? 'environment');
  if (idempotency && !cached) {
    const replay = await findReplay({ repository, environmentId, scope, request: idempotency });
    if (replay) return { value: replay, next: undefined };
  }
  const caller = operation.callerOperation;
  if (caller) {
    const earlier = await findCallerOperation(repository, wallet, caller);
    if (earlier) return { value: earlier, next: undefined };
  }
  const { shown, effects, loaded, now, walletAfter } = await book(dependencies, repository, wallet, operation, cached);
  const response = operation.present(shown, effects, loaded, now);
  if (caller) await rememberCallerOperation(repository, { wallet, caller, operationId: caller.operationIdOf(shown), response, now });
  if (idempotency) {
    await rememberResponse({
      repository,
      environmentId,
      scope,
      request: idempotency,
      response,
      now,
      keepForever: idempotency.scope !== 'environment',
    });
  }
  return { value: Object.assign({}, response, { replayed: false }), next: operation.oneTrip ? stateAfter(loaded, effects, walletAfter) : undefined };
}

/**
 * The same pipeline for work no caller waits on (payment outcomes, the sweep):
 * no idempotency key and no response; returns what `persist` returned.
 */
export async function bookOnLockedWallet<Result, Shown = Result>(
  dependencies: AppDependencies,
  repository: Repository,
  wallet: WalletRecord,
  operation: Pick<WalletOperation<Result, Shown>, 'context' | 'grantIds' | 'holdIds' | 'compute' | 'persist' | 'auditedObjectId'>,
): Promise<Shown> {
  return (await book(dependencies, repository, wallet, operation)).shown;
}

/** load → engine → persist, on a locked wallet. */
async function book<Result, Shown>(
  dependencies: AppDependencies,
  repository: Repository,
  wallet: WalletRecord,
  operation: Pick<WalletOperation<Result, Shown>, 'context' | 'grantIds' | 'holdIds' | 'compute' | 'persist' | 'auditedObjectId'>,
  cached?: LoadedWallet,
): Promise<{ shown: Shown; effects: WalletTransactionResult; loaded: LoadedWallet; now: Instant; walletAfter: WalletRecord }> {
  const now = currentTime(dependencies, operation.context.environment);
  if (cached && !canServe(cached, now)) throw new Error('The remembered wallet state is not all this operation would load.');
  const loaded = cached ?? (await loadWallet(repository, wallet, operation, now));
  const engine = new WalletTransaction(snapshotOf(loaded), now, { issuedGrantId: () => dependencies.newId('grt') });
  const result = operation.compute(engine, loaded);
  const effects = engine.result();
  // Without a persist step the response shows the computed result (Shown defaults to Result).
  const shown = operation.persist ? await operation.persist(repository, result, effects, engine.now) : (result as unknown as Shown);
  const walletAfter = await persistEffects(dependencies, repository, loaded, effects, engine.now);
  // Balance alerts and the auto top-up trigger, in this transaction (balance-alerts.ts).
  await watchBalance(dependencies, repository, { wallet, after: effects.snapshot.wallet, at: engine.now });
  // A caller's write is audited in its own transaction; one that changed nothing (voiding a voided grant) wrote nothing to audit.
  if (operation.persist || changedAnything(effects)) {
    await recordAudit(dependencies, repository, operation.context, presentedObjectId(shown) ?? operation.auditedObjectId ?? wallet.id);
  }
  return { shown, effects, loaded, now: engine.now, walletAfter };
}

function changedAnything(effects: WalletTransactionResult): boolean {
  return (
    effects.entries.length > 0 ||
    effects.events.length > 0 ||
    effects.changedGrantIds.size > 0 ||
    effects.changedHoldIds.size > 0 ||
    effects.changedScheduleIds.size > 0 ||
    effects.issuedGrantIds.size > 0
  );
}

async function lockWallet(
  dependencies: AppDependencies,
  repository: Repository,
  operation: Pick<WalletOperation<unknown>, 'address' | 'ifMissing' | 'context' | 'createsCustomer'>,
): Promise<WalletRecord> {
  const existing = await repository.wallets.find(operation.address, { lock: true });
  if (existing) return existing;
  if (operation.ifMissing !== 'create') throw operation.ifMissing();
  const now = currentTime(dependencies, operation.context.environment);
  const { environmentId, customerId } = operation.address;
  // Another transaction creating it too makes this INSERT a unique violation, and the store runs this one again (it then finds it).
  if (operation.createsCustomer && !(await repository.accounts.getCustomer(environmentId, customerId))) {
    await repository.accounts.insertCustomer({ id: customerId, environmentId, externalId: null, name: null, email: null, metadata: {}, createdAt: now });
    // A write of its own, audited as every customer creation is (idempotent-write.ts): the log names the customer too.
    await recordAudit(dependencies, repository, operation.context, customerId);
  }
  await repository.wallets.insert(emptyWallet(dependencies, operation.address, now));
  // Another node may have inserted it first; either way, lock the row that now exists.
  const created = await repository.wallets.find(operation.address, { lock: true });
  if (!created) throw new Error('Wallet vanished after insert.');
  return created;
}

export function emptyWallet(dependencies: AppDependencies, address: WalletAddress, now: Instant): WalletRecord {
  // Spelled out, not `...address`: Node 20's slow path for what follows a leading spread.
  return {
    environmentId: address.environmentId,
    customerId: address.customerId,
    unit: address.unit,
    walletKey: address.walletKey,
    id: dependencies.newId('wal'),
    overdraftLimit: ZERO,
    overdraft: ZERO,
    sequence: 0,
    balance: ZERO,
    held: ZERO,
    grantCount: 0,
    advancedTo: now,
    nextEventAt: null,
    createdAt: now,
    period: null,
    periodAnchor: null,
    periodStart: null,
    periodUsage: ZERO,
    hasSchedules: false,
    hasSettings: false,
    lastDebitId: null,
  };
}

export function snapshotOf(loaded: LoadedWallet): WalletSnapshot {
  return { wallet: loaded.wallet, grants: [...loaded.grants.values()], holds: [...loaded.holds.values()], schedules: [...loaded.schedules.values()] };
}

async function loadWallet(repository: Repository, wallet: WalletRecord, operation: { grantIds?: string[]; holdIds?: string[] }, now: Instant): Promise<LoadedWallet> {
  const stored = await loadSnapshotThrough(repository, wallet, now);
  const grants = new Map<string, GrantState>(stored.grants.map((grant) => [grant.id, grant]));
  for (const grantId of operation.grantIds ?? []) {
    if (grants.has(grantId)) continue;
    const grant = await repository.grants.get(wallet.environmentId, grantId);
    if (grant && grant.walletId === wallet.id) grants.set(grant.id, grant);
  }
  const holds = new Map(stored.holds.map((hold) => [hold.id, hold]));
  for (const holdId of operation.holdIds ?? []) {
    if (holds.has(holdId)) continue;
    const hold = await repository.holds.get(wallet.environmentId, holdId);
    if (hold && hold.walletId === wallet.id) holds.set(hold.id, hold);
  }
  return { wallet, grants, holds, schedules: new Map(stored.schedules.map((schedule) => [schedule.id, schedule])) };
}

/**
 * Writes what the engine did: changed grants, holds and schedules, issued grants, ledger entries, the wallet row, events.
 * Returns the wallet row it wrote, which a remembered state keeps (`stateAfter`).
 */
async function persistEffects(
  dependencies: AppDependencies,
  repository: Repository,
  loaded: LoadedWallet,
  effects: WalletTransactionResult,
  now: Instant,
): Promise<WalletRecord> {
  const { snapshot } = effects;
  for (const grant of snapshot.grants) {
    const previous = effects.changedGrantIds.has(grant.id) ? loaded.grants.get(grant.id) : undefined;
    // Only the columns that changed: an unchanged indexed column (`live`, `schedule_id`) leaves its index alone.
    if (previous) await repository.grants.updateState(grant, previous);
  }
  for (const hold of snapshot.holds) {
    if (effects.changedHoldIds.has(hold.id) && loaded.holds.has(hold.id)) await repository.holds.updateState(hold);
  }
  for (const schedule of snapshot.schedules) {
    if (effects.changedScheduleIds.has(schedule.id) && loaded.schedules.has(schedule.id)) await repository.schedules.updateState(schedule);
  }
  const wallet = loaded.wallet;
  // Grants a schedule issued while the clock moved: the operation did not create them, so they are inserted here.
  for (const grant of snapshot.grants) {
    if (!effects.issuedGrantIds.has(grant.id)) continue;
    const schedule = snapshot.schedules.find((candidate) => candidate.id === grant.scheduleId) as ScheduleRecord | undefined;
    const issued: GrantRecord = Object.assign({}, grant, {
      environmentId: wallet.environmentId,
      customerId: wallet.customerId,
      walletId: wallet.id,
      unit: wallet.unit,
      walletKey: wallet.walletKey,
      recurrencePeriod: schedule?.recurrencePeriod ?? null,
      name: schedule?.name ?? null,
      metadata: schedule?.metadata ?? {},
      costAmount: null,
      costCurrency: null,
    });
    await repository.grants.insert(issued);
  }
  if (effects.entries.length > 0) {
    await repository.ledger.insertMany(
      // Spelled out, not `{ ...entry, id, … }`: on Node 20 each property a literal adds after a spread costs ~0.7 µs.
      effects.entries.map((entry) => ({
        id: dependencies.newId('le'),
        environmentId: wallet.environmentId,
        customerId: wallet.customerId,
        walletId: wallet.id,
        unit: wallet.unit,
        walletKey: wallet.walletKey,
        sequence: entry.sequence,
        type: entry.type,
        grantId: entry.grantId,
        debitId: entry.debitId,
        holdId: entry.holdId,
        amount: entry.amount,
        heldAmount: entry.heldAmount,
        balanceAfter: entry.balanceAfter,
        heldAfter: entry.heldAfter,
        effectiveAt: entry.effectiveAt,
        createdAt: now,
      })),
    );
  }
  // Only the columns that changed; but an operation that changed anything writes the row, so its version
  // moves (a remembered state is checked by it: Store.cachedWalletTransaction).
  const next = walletRowAfter(wallet, snapshot, lastDebitAfter(wallet.lastDebitId, effects));
  if (!(await repository.wallets.update(next, wallet)) && changedAnything(effects)) await repository.wallets.update(next);
  if (effects.events.length > 0) {
    const walletKey = shownWalletKey(wallet.walletKey);
    await repository.events.insertMany(
      effects.events.map((event) => {
        // The rest is a fresh object; setting the wallet's fields on it is what `{ ...data, walletId, … }` did, without that literal's slow path.
        const { type, ...data }: { type: string } & Record<string, unknown> = event;
        data.walletId = wallet.id;
        data.customerId = wallet.customerId;
        data.unit = wallet.unit;
        data.walletKey = walletKey;
        const id = event.type === 'debit.created' ? debitCreatedEventId(event.debitId) : dependencies.newId('evt');
        return { id, environmentId: wallet.environmentId, type, data, createdAt: now };
      }),
    );
  }
  return next;
}
