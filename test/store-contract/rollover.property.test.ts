import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { upsertWallet } from '../../src/app/accounts.ts';
import { getBalance } from '../../src/app/balances.ts';
import { createDebit } from '../../src/app/debits.ts';
import { changeGrant, createGrant } from '../../src/app/grants.ts';
import { createHold, endHold } from '../../src/app/holds.ts';
import type { Outcome as AppOutcome } from '../../src/app/idempotency.ts';
import { cancelSchedule } from '../../src/app/schedules.ts';
import { advanceTestClock } from '../../src/app/time-events.ts';
import { CreditbookError } from '../../src/domain/errors.ts';
import { calendarPeriod, nthBoundary } from '../../src/domain/reference-calendar.ts';
import { ReferenceModel } from '../../src/domain/reference-model.ts';
import { ModelError, type GrantView, type Observation, type Outcome } from '../../src/domain/reference-model-records.ts';
import type { InsufficientPolicy, Instant } from '../../src/domain/types.ts';
import type { Store } from '../../src/store/port.ts';
import type { GrantRecord, LedgerEntryRecord } from '../../src/store/records.ts';
import { forEachStore } from '../support/stores.ts';
import { bodyOf, createFixture, DAY, MINUTE, presentDebit, presentGrant, presentHold, type Fixture } from './fixtures.ts';

/*
 * Issue 13 as properties, through the app on SQLite and PostgreSQL, against the
 * independent reference model (src/domain/reference-model.ts). Every
 * scenario runs in two test environments of one database: `jump` moves its test
 * clock once per command, `step` stops at every instant the model says something
 * happens. Scenarios favour what the issue is about: grants with floors used up
 * (a debit of everything), several plans with different caps, holds across
 * boundaries. Checked:
 * - after every command: both environments and the model agree on the outcome; the
 *   jump environment's stored grants equal the model's, field by field (rolledOver too);
 * - at every instant `step` stops at: its stored balance equals the model's then (so
 *   each boundary was booked in a step of its own, drained grants with floors included);
 * - at the end: both ledgers are the same entry by entry (type, grant, amount, held,
 *   balanceAfter, heldAfter, time, order), and a balance read as of every observed
 *   instant, in both, equals what the model said then, every grant field included.
 */

const UNIT = 10n ** 10n;

type Command =
  | { kind: 'grant'; units: number; priority: number; lifetimeDays: number | null; cap: number | null; floor: number | null }
  | { kind: 'plan'; units: number; period: string; cap: number | null; floor: number | null; endsAfter: number | null }
  | { kind: 'cancel'; pick: number }
  | { kind: 'debit'; units: number; policy: InsufficientPolicy }
  | { kind: 'hold'; units: number; expiresIn: number | 'boundary' }
  | { kind: 'capture' | 'release'; pick: number }
  | { kind: 'void' | 'expire'; pick: number }
  | { kind: 'clock'; minutes: number }
  | { kind: 'next'; delta: -1 | 0 | 1 };

interface Scenario {
  start: Instant;
  usagePeriod: { period: string; anchor: Instant } | null;
  commands: Command[];
}

const amountArbitrary = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: 1, max: 150 }));
const floorArbitrary = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 120 }) });

/** The API refuses a floor above the cap: keep generated floors within it. */
function withinCap<T extends { cap: number | null; floor: number | null }>(command: T): T {
  return command.cap !== null && command.floor !== null && command.floor > command.cap ? { ...command, floor: command.cap } : command;
}

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      units: fc.integer({ min: 1, max: 300 }),
      priority: fc.constantFrom(0, 50),
      lifetimeDays: fc.option(fc.integer({ min: 1, max: 90 }), { nil: null, freq: 3 }),
      cap: amountArbitrary,
      floor: floorArbitrary,
    }).map(withinCap),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('plan' as const),
      units: fc.integer({ min: 1, max: 300 }),
      period: fc.constantFrom('P1M', 'P1M', 'P1W'),
      cap: amountArbitrary,
      floor: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
      endsAfter: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null, freq: 3 }),
    }).map(withinCap),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('debit' as const),
      // A debit of everything (partial) uses every grant up: what floors must bring back.
      units: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }) }, { weight: 2, arbitrary: fc.constant(1_000_000) }),
      policy: fc.constantFrom<InsufficientPolicy>('partial', 'partial', 'reject'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      units: fc.integer({ min: 1, max: 200 }),
      expiresIn: fc.oneof(fc.integer({ min: 1, max: 20 * 24 * 60 }), fc.constant('boundary' as const)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('capture' as const, 'release' as const, 'void' as const, 'expire' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('clock' as const), minutes: fc.oneof(fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.integer({ min: 1, max: 75 * 24 * 60 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('next' as const), delta: fc.constantFrom<-1 | 0 | 1>(-1, 0, 0, 1) }) },
);

const USED_UP_FLOOR: Command[] = [
  { kind: 'plan', units: 100, period: 'P1M', cap: 150, floor: 30, endsAfter: null },
  { kind: 'grant', units: 100, priority: 0, lifetimeDays: null, cap: null, floor: 30 },
  { kind: 'debit', units: 1_000_000, policy: 'partial' },
  { kind: 'next', delta: 0 },
];

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .constantFrom(Date.UTC(2031, 0, 31, 9), Date.UTC(2032, 1, 29, 12), Date.UTC(2031, 5, 15, 0, 30))
  .chain((start) =>
    fc.record({
      start: fc.constant(start),
      usagePeriod: fc.option(
        fc.record({ period: fc.constantFrom('P1M', 'P1W'), anchor: fc.constantFrom(start, start + 10 * DAY, start - 3 * DAY) }),
        { nil: null, freq: 3 },
      ),
      commands: fc
        .tuple(fc.boolean(), fc.array(commandArbitrary, { minLength: 4, maxLength: 16 }))
        // Half the scenarios start with what the issue is about: a plan and a grant with floors, used up, then a boundary.
        .map(([usedUp, commands]) => (usedUp ? [...USED_UP_FLOOR, ...commands] : commands)),
    }),
  );

/** One test environment on a frozen clock, its wallet, and the IDs the store gave what the model names. */
class Side {
  readonly holdIds = new Map<string, string>();
  readonly observed: Instant[] = [];

  constructor(readonly fixture: Fixture) {}

  get wallet() {
    return { customerId: this.fixture.customer.id, unit: this.fixture.unit };
  }

  async advance(to: Instant): Promise<void> {
    const { environment, complete } = await advanceTestClock(this.fixture.dependencies, this.fixture.context, to);
    assert.ok(complete, 'one advance books a few months');
    this.fixture.context = { ...this.fixture.context, environment };
  }

  async grants(): Promise<GrantRecord[]> {
    return this.fixture.store.read(async (repository) => {
      const wallet = await repository.wallets.find({ environmentId: this.fixture.environment.id, ...this.wallet, walletKey: '' }, { lock: false });
      return wallet ? repository.grants.loadAll(wallet.id) : [];
    });
  }

  async entries(): Promise<LedgerEntryRecord[]> {
    return this.fixture.store.read(async (repository) => {
      const wallet = await repository.wallets.find({ environmentId: this.fixture.environment.id, ...this.wallet, walletKey: '' }, { lock: false });
      return wallet ? repository.ledger.loadForWallet(wallet.id) : [];
    });
  }

  async storedBalance(): Promise<{ balance: bigint; held: bigint }> {
    return this.fixture.store.read(async (repository) => {
      const wallet = await repository.wallets.find({ environmentId: this.fixture.environment.id, ...this.wallet, walletKey: '' }, { lock: false });
      return { balance: wallet?.balance ?? 0n, held: wallet?.held ?? 0n };
    });
  }

  /** The balance read as of `at` (a past time replays the ledger), shaped as the model observes. */
  async observe(at: Instant): Promise<Observation> {
    const { balance } = await getBalance(this.fixture.dependencies, this.fixture.context, { ...this.wallet, at });
    const grants = await this.grants();
    const ordinalOf = new Map(grants.map((grant) => [grant.id, grant.ordinal]));
    return {
      available: balance.available,
      held: balance.held,
      scheduled: balance.scheduled,
      overdraft: balance.overdraft,
      period: balance.period,
      grants: balance.grants.map(({ grant }): [string, GrantView] => [String(ordinalOf.get(grant.id)), viewOf(grant)]).sort(byKey),
    };
  }
}

function viewOf(grant: GrantView): GrantView {
  const { amount, available, held, consumed, expired, voided, rolledOver } = grant;
  return { amount, available, held, consumed, expired, voided, rolledOver };
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => Number(a) - Number(b);

/** The model's observation with grants named by ordinal, as the store names them. */
function modelObservation(model: ReferenceModel): Observation {
  const observation = model.observe();
  const ordinals = new Map(model.grants.map((grant) => [grant.id, grant.ordinal]));
  return { ...observation, grants: observation.grants.map(([id, view]): [string, GrantView] => [String(ordinals.get(id)), view]).sort(byKey) };
}

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    if (error instanceof CreditbookError || error instanceof ModelError) return error.code;
    throw error;
  }
}

const units = (count: number | null) => (count === null ? undefined : String(count));
const ignore = (value: unknown) => ({ status: 200, body: value });

async function runScenario(store: Store, scenario: Scenario): Promise<{ topUpsOfUsedUp: number }> {
  const jump = new Side(await createFixture(store, { frozenClockAt: scenario.start, scale: 0 }));
  const step = new Side(await createFixture(store, { frozenClockAt: scenario.start, scale: 0 }));
  const sides = [jump, step];
  const model = new ReferenceModel(0n, scenario.start);
  const observations = new Map<Instant, Observation>();
  for (const side of sides) {
    await upsertWallet(side.fixture.dependencies, { context: side.fixture.context, input: { ...side.wallet, usagePeriod: scenario.usagePeriod }, present: ignore });
  }
  if (scenario.usagePeriod) model.setUsagePeriod(scenario.usagePeriod.period, scenario.usagePeriod.anchor);
  const scheduleOrdinals = new Map<string, number>();

  for (const [index, command] of scenario.commands.entries()) {
    const label = `command ${index} ${JSON.stringify(command)}`;
    const now = model.now;
    /** Runs one operation on both sides and the model; all must agree on the outcome. */
    const onAll = async (operate: (side: Side) => Promise<unknown>, onModel: () => unknown) => {
      const outcomes = [await outcomeOf(() => operate(jump)), await outcomeOf(() => operate(step)), await outcomeOf(async () => onModel())];
      assert.deepEqual(outcomes, [outcomes[2], outcomes[2], outcomes[2]], `${label}: outcomes (jump, step, model)`);
    };
    const grantIdOf = async (side: Side, ordinal: number) => (await side.grants()).find((grant) => grant.ordinal === ordinal)!.id;
    const pickedGrant = (pick: number) => model.grants[pick % Math.max(1, model.grants.length)];
    const pickedHold = (pick: number) => model.holds[pick % Math.max(1, model.holds.length)];

    switch (command.kind) {
      case 'grant': {
        const expiresAt = command.lifetimeDays === null ? null : now + command.lifetimeDays * DAY;
        const floor = command.floor;
        await onAll(
          (side) =>
            createGrant(side.fixture.dependencies, {
              context: side.fixture.context,
              input: {
                ...side.wallet,
                amount: String(command.units),
                category: 'promotional',
                priority: command.priority,
                expiresAt,
                resetMaxRollover: units(command.cap),
                resetMinRollover: units(floor),
              },
              present: presentGrant,
            }),
          () =>
            model.addGrant({
              id: `g${index}`,
              amount: BigInt(command.units) * UNIT,
              category: 'promotional',
              priority: command.priority,
              effectiveAt: now,
              expiresAt,
              appliesTo: [],
              cap: command.cap === null ? null : BigInt(command.cap) * UNIT,
              floor: floor === null ? null : BigInt(floor) * UNIT,
            }),
        );
        break;
      }
      case 'plan': {
        const recurrenceEndsAt = command.endsAfter === null ? null : nthBoundary(now, calendarPeriod(command.period), command.endsAfter);
        scheduleOrdinals.set(`s${index}`, model.grants.length + 1);
        await onAll(
          (side) =>
            createGrant(side.fixture.dependencies, {
              context: side.fixture.context,
              input: {
                ...side.wallet,
                amount: String(command.units),
                category: 'paid',
                recurrencePeriod: command.period,
                recurrenceEndsAt,
                resetMaxRollover: units(command.cap),
                resetMinRollover: units(command.floor),
              },
              present: presentGrant,
            }),
          () =>
            model.createSchedule({
              id: `s${index}`,
              period: command.period,
              endsAt: recurrenceEndsAt,
              first: {
                amount: BigInt(command.units) * UNIT,
                category: 'paid',
                priority: 50,
                effectiveAt: now,
                appliesTo: [],
                cap: command.cap === null ? null : BigInt(command.cap) * UNIT,
                floor: command.floor === null ? null : BigInt(command.floor) * UNIT,
              },
            }),
        );
        break;
      }
      case 'cancel': {
        const schedule = model.schedules[command.pick % Math.max(1, model.schedules.length)];
        if (!schedule) continue;
        const ordinal = scheduleOrdinals.get(schedule.id)!;
        await onAll(
          async (side) => {
            const scheduleId = (await side.grants()).find((grant) => grant.ordinal === ordinal)!.scheduleId!;
            return cancelSchedule(side.fixture.dependencies, { context: side.fixture.context, scheduleId, present: ignore });
          },
          () => model.cancelSchedule(schedule.id),
        );
        break;
      }
      case 'debit':
        await onAll(
          (side) =>
            createDebit(side.fixture.dependencies, {
              context: side.fixture.context,
              input: { ...side.wallet, amount: String(command.units), onInsufficient: command.policy },
              present: presentDebit,
            }),
          () => model.debit(BigInt(command.units) * UNIT, null, command.policy),
        );
        break;
      case 'hold': {
        const boundaryAt = model.nextBoundaryAt();
        const expiresAt = command.expiresIn === 'boundary' && boundaryAt !== null && boundaryAt <= now + 30 * DAY ? boundaryAt : now + (command.expiresIn === 'boundary' ? DAY : command.expiresIn * MINUTE);
        await onAll(
          async (side) => {
            const outcome: AppOutcome = await createHold(side.fixture.dependencies, {
              context: side.fixture.context,
              input: { ...side.wallet, amount: String(command.units), expiresAt },
              present: presentHold,
            });
            side.holdIds.set(`h${index}`, bodyOf(outcome).id);
          },
          () => model.placeHold(`h${index}`, BigInt(command.units) * UNIT, null, expiresAt),
        );
        break;
      }
      case 'capture':
      case 'release': {
        const hold = pickedHold(command.pick);
        if (!hold) continue;
        await onAll(
          (side) => endHold(side.fixture.dependencies, { context: side.fixture.context, holdId: side.holdIds.get(hold.id)!, action: { kind: command.kind }, present: presentHold }),
          () => (command.kind === 'capture' ? model.capture(hold.id, null) : model.release(hold.id)),
        );
        break;
      }
      case 'void':
      case 'expire': {
        const grant = pickedGrant(command.pick);
        if (!grant) continue;
        await onAll(
          async (side) =>
            changeGrant(side.fixture.dependencies, { context: side.fixture.context, grantId: await grantIdOf(side, grant.ordinal), action: { kind: command.kind }, present: presentGrant }),
          () => (command.kind === 'void' ? model.voidGrant(grant.id) : model.expireGrant(grant.id)),
        );
        break;
      }
      case 'clock':
      case 'next': {
        const to = command.kind === 'clock' ? now + command.minutes * MINUTE : Math.max(now, (model.nextBoundaryAt() ?? now + DAY) + command.delta);
        // `step` stops wherever the model has something happen; its stored balance must then be the model's.
        for (let at = model.nextEventAt(); at !== null && at <= to; at = model.nextEventAt()) {
          model.advance(at);
          await step.advance(at);
          const stored = await step.storedBalance();
          const expected = model.observe();
          assert.deepEqual([stored.balance, stored.held], [expected.available - expected.overdraft, expected.held], `${label}: step's stored balance at ${new Date(at).toISOString()}`);
          observations.set(at, modelObservation(model));
        }
        model.advance(to);
        await step.advance(to);
        await jump.advance(to);
        break;
      }
    }
    // The jump side's stored grants are the model's, field by field, and so is its balance now.
    const stored = (await jump.grants()).map((grant): [string, GrantView] => [String(grant.ordinal), viewOf(grant)]);
    const expected = modelObservation(model);
    assert.deepEqual(stored, expected.grants, `${label}: stored grants`);
    // A read now lists the grants it loaded (live ones): compare the figures.
    assert.deepEqual({ ...(await jump.observe(model.now)), grants: [] }, { ...expected, grants: [] }, `${label}: balance now`);
    observations.set(model.now, expected);
  }

  // The same ledger, entry by entry, with grants named by ordinal.
  const ledgers = await Promise.all(
    sides.map(async (side) => {
      const ordinals = new Map((await side.grants()).map((grant) => [grant.id, grant.ordinal]));
      return (await side.entries()).map((entry) => [
        entry.sequence,
        entry.type,
        entry.grantId === null ? null : ordinals.get(entry.grantId),
        entry.amount,
        entry.heldAmount,
        entry.balanceAfter,
        entry.heldAfter,
        entry.effectiveAt,
      ]);
    }),
  );
  assert.deepEqual(ledgers[1], ledgers[0], 'stepping and the jump booked the same ledger');
  // Past reads: every observed instant, on both sides.
  for (const [at, observation] of observations) {
    if (at >= model.now) continue;
    for (const side of sides) assert.deepEqual(await side.observe(at), observation, `as of ${new Date(at).toISOString()}`);
  }
  // Top-ups of a grant that had nothing left: the ones a store must load a drained grant for.
  const available = new Map<string, bigint>();
  let topUpsOfUsedUp = 0;
  for (const entry of await jump.entries()) {
    if (entry.grantId === null) continue;
    if (entry.type === 'adjustment' && (available.get(entry.grantId) ?? 0n) === 0n) topUpsOfUsedUp += 1;
    available.set(entry.grantId, (available.get(entry.grantId) ?? 0n) + entry.amount);
  }
  return { topUpsOfUsedUp };
}

forEachStore('rollover properties (issue 13)', (target) => {
  it('the app agrees with the reference model; a jump books what stepping books; past reads are exact field by field', async () => {
    const store = await target.open();
    let topUpsOfUsedUp = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        topUpsOfUsedUp += (await runScenario(store, scenario)).topUpsOfUsedUp;
      }),
      { numRuns: 20 },
    );
    // The scenarios must reach what the issue is about.
    assert.ok(topUpsOfUsedUp >= 5, `floors topped up a used-up grant only ${topUpsOfUsedUp} times`);
  });
});
