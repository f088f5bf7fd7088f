import assert from 'node:assert/strict';
import { createCustomer, createUnit } from '../../src/app/accounts.ts';
import { getBalance } from '../../src/app/balances.ts';
import { type AppDependencies, type Clock, type RequestContext } from '../../src/app/dependencies.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import type { PresentDebit } from '../../src/app/debits.ts';
import type { PresentGrant } from '../../src/app/grants.ts';
import type { PresentHold } from '../../src/app/holds.ts';
import type { Outcome } from '../../src/app/idempotency.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { CreditbookError, type ErrorCode } from '../../src/domain/errors.ts';
import type { Instant } from '../../src/domain/types.ts';
import type { Store } from '../../src/store/port.ts';
import type { CustomerRecord, EnvironmentMode, EnvironmentRecord, Page, PageRequest } from '../../src/store/records.ts';
import type { DeliveryStatus, WebhookDeliveryRecord, WebhookEndpointRecord } from '../../src/store/webhook-records.ts';

/** Helpers for the store contract suite: a clock the test moves, an isolated environment per test, and plain presenters. */

/** 2024-01-01T00:00:00.000Z: a fixed start, so every instant in a test is chosen by the test. */
export const T0: Instant = Date.UTC(2024, 0, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** 25 digits before the point and 10 after: the widest amount docs/semantics.md#amounts requires. */
export const WIDEST_AMOUNT = '1234567890123456789012345.1234567891';
export const LARGEST_AMOUNT = '9999999999999999999999999.9999999999';

export class ManualClock implements Clock {
  constructor(public current: Instant = T0) {}

  now(): Instant {
    return this.current;
  }

  set(to: Instant): void {
    this.current = to;
  }
}

export interface Fixture {
  store: Store;
  dependencies: AppDependencies;
  clock: ManualClock;
  environment: EnvironmentRecord;
  context: RequestContext;
  /** A unit created for this fixture (scale 10 unless told otherwise). */
  unit: string;
  customer: CustomerRecord;
}

/**
 * A new environment with its own unit and customer, so tests sharing one
 * database never see each other's rows. With `frozenClockAt` the environment
 * is on a test clock (advanceTestClock); otherwise it follows `clock`.
 */
export async function createFixture(
  store: Store,
  options: { mode?: EnvironmentMode; frozenClockAt?: Instant | null; scale?: number; clock?: ManualClock } = {},
): Promise<Fixture> {
  const clock = options.clock ?? new ManualClock();
  const dependencies = composeDependencies(store, { clock });
  const environment: EnvironmentRecord = {
    id: dependencies.newId('env'),
    mode: options.mode ?? 'test',
    name: 'contract',
    frozenClockAt: options.frozenClockAt ?? null,
    createdAt: clock.now(),
  };
  await store.transaction((repository) => repository.accounts.insertEnvironment(environment));
  const context: RequestContext = { environment, requestId: 'contract-test' };
  const unit = 'credits';
  await createUnit(dependencies, context, { code: unit, scale: options.scale ?? 10 });
  const customer = await addCustomer({ dependencies, context });
  return { store, dependencies, clock, environment, context, unit, customer };
}

/** The same environment seen through another store (another node on the same database). */
export function onStore(fixture: Fixture, store: Store): Fixture {
  const dependencies = composeDependencies(store, { clock: fixture.clock });
  return { ...fixture, store, dependencies };
}

/** A webhook endpoint of the fixture's environment (or `environmentId`) receiving every event, written to the store. */
export async function addWebhookEndpoint(fixture: Pick<Fixture, 'dependencies' | 'environment' | 'store'>, environmentId = fixture.environment.id): Promise<WebhookEndpointRecord> {
  const endpoint: WebhookEndpointRecord = {
    id: fixture.dependencies.newId('we'),
    environmentId,
    url: 'https://example.com/hooks',
    eventTypes: ['*'],
    secret: 'sealed',
    previousSecret: null,
    previousSecretExpiresAt: null,
    description: null,
    createdAt: T0,
    deletedAt: null,
  };
  await fixture.store.transaction((repository) => repository.webhookEndpoints.insert(endpoint));
  return endpoint;
}

/** A delivery of a made-up event to `endpointId`, due at `at` while pending (no next attempt otherwise). */
export function webhookDelivery(fixture: Pick<Fixture, 'environment'>, endpointId: string, id: string, at: Instant, status: DeliveryStatus = 'pending'): WebhookDeliveryRecord {
  return {
    id,
    environmentId: fixture.environment.id,
    endpointId,
    eventId: `evt_${id}`,
    eventType: 'grant.created',
    status,
    attempts: 0,
    nextAttemptAt: status === 'pending' ? at : null,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: T0,
    deliveredAt: null,
  };
}

export async function addCustomer(fixture: Pick<Fixture, 'dependencies' | 'context'>, externalId?: string): Promise<CustomerRecord> {
  const outcome = await createCustomer(fixture.dependencies, {
    context: fixture.context,
    input: { externalId: externalId ?? null, name: 'Ada', metadata: { plan: 'pro' } },
    present: (customer) => ({ status: 201, body: customer }),
  });
  return outcome.body as CustomerRecord;
}

export const presentGrant: PresentGrant = (grant) => ({
  status: 201,
  body: {
    id: grant.id,
    walletId: grant.walletId,
    amount: formatAmount(grant.amount),
    available: formatAmount(grant.available),
    expiresAt: grant.expiresAt,
  },
});

export const presentDebit: PresentDebit = (debit) => ({
  status: 201,
  body: {
    id: debit.id,
    amount: formatAmount(debit.amount),
    consumed: formatAmount(debit.consumed),
    shortfall: formatAmount(debit.shortfall),
    overdrawn: formatAmount(debit.overdrawn),
    allocations: debit.allocations.map((allocation) => ({ grantId: allocation.grantId, amount: formatAmount(allocation.amount) })),
  },
});

export const presentHold: PresentHold = (hold, debit) => ({
  status: 200,
  body: {
    id: hold.id,
    status: hold.status,
    amount: formatAmount(hold.amount),
    capturedAmount: formatAmount(hold.capturedAmount),
    debitId: debit?.id ?? null,
  },
});

/** A response body as the presenters above shape them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = any;

export function bodyOf(outcome: Outcome): Body {
  return outcome.body;
}

/** The balance figures as exact decimal strings. */
export async function balanceOf(
  fixture: Fixture,
  options: { at?: Instant; walletKey?: string } = {},
): Promise<{ available: string; held: string; scheduled: string; overdraft: string; net: string }> {
  const { balance } = await getBalance(fixture.dependencies, fixture.context, {
    customerId: fixture.customer.id,
    unit: fixture.unit,
    walletKey: options.walletKey ?? null,
    at: options.at,
  });
  return {
    available: formatAmount(balance.available),
    held: formatAmount(balance.held),
    scheduled: formatAmount(balance.scheduled),
    overdraft: formatAmount(balance.overdraft),
    net: formatAmount(balance.net),
  };
}

export function walletOf(fixture: Fixture, walletKey = '') {
  return { customerId: fixture.customer.id, unit: fixture.unit, walletKey };
}

/** Asserts that `promise` rejects with a CreditbookError of `code`, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<CreditbookError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CreditbookError, `expected a CreditbookError '${code}', got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a '${code}' error, but it succeeded`);
}

/** Splits settled results into values and CreditbookError codes; anything else fails the test. */
export function tally<T>(results: PromiseSettledResult<T>[]): { values: T[]; errors: ErrorCode[] } {
  const values: T[] = [];
  const errors: ErrorCode[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') values.push(result.value);
    else if (result.reason instanceof CreditbookError) errors.push(result.reason.code);
    else throw result.reason;
  }
  return { values, errors };
}

/** Every item of a list, following its cursors: a page with more after it must be full and move past its cursor. */
export async function allPages<T extends { id: string }>(limit: number, fetch: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let startingAfter: string | null = null;
  for (;;) {
    const page: Page<T> = await fetch({ limit, startingAfter });
    all.push(...page.data);
    if (!page.hasMore) return all;
    assert.equal(page.data.length, limit, 'a page with more after it is full');
    assert.ok(all.length <= 10_000 && page.data.at(-1)!.id !== startingAfter, 'every page moves past its cursor');
    startingAfter = page.data.at(-1)!.id;
  }
}
