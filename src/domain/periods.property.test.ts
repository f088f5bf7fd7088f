import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeBalance } from './balance.ts';
import { CreditbookError } from './errors.ts';
import { calendarPeriod, indexAt, nthBoundary, type CalendarPeriod } from './reference-calendar.ts';
import { ReferenceModel } from './reference-model.ts';
import { grantViews, ModelError, type Observation, type Outcome } from './reference-model-records.ts';
import { boundary, parsePeriod, periodIndexAt } from './periods.ts';
import { replayWallet } from './replay.ts';
import { emptyWallet, issuedGrantIdOf, T0, utc } from './test-builders.ts';
import type { GrantCategory, InsufficientPolicy, LedgerEntryDraft, WalletSnapshot } from './types.ts';
import { verifyWallet } from './verify-wallet.ts';
import { WalletTransaction } from './wallet-transaction.ts';

/*
 * Model-based property tests of usage periods, recurring schedules, resets and
 * rollover (issue 4), on top of everything engine.property.test.ts covers.
 *
 * A random scenario runs on three things at once:
 * - `main`: the engine, one WalletTransaction per command, as a store would run it;
 * - `twin`: the same engine and commands, but every clock move is split so that the
 *   twin stops at every event instant in between (and just before some of them);
 * - `ReferenceModel` (reference-model.ts): a small re-statement of docs/rollover.md's
 *   rules, sharing no code with the engine (not even the calendar).
 * After every command: (a) main and twin have the same entries and state; (b) the
 * invariants hold and verifyWallet finds nothing; (c) the model agrees. At the end,
 * (d) a replay of the ledger as of every observed instant reads what was observed,
 * every grant field included (rolledOver too).
 */

const UNIT = 10n ** 10n;
const MINUTE = 60_000;
const DAY = 86_400_000;
const ISSUED_ID = { issuedGrantId: issuedGrantIdOf };

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

type Feature = 'chat' | 'image';
/** 'day' scenarios use daily and weekly periods over about two months; 'month' ones monthly periods over up to 16 months. */
type Pace = 'day' | 'month';

type StartAt = { kind: 'now' } | { kind: 'in'; minutes: number } | { kind: 'monthEnd'; hour: number };

type Command =
  | {
      kind: 'grant';
      units: number;
      priority: number;
      category: GrantCategory;
      effectiveInMinutes: number;
      /** 'boundary': expires exactly at the next boundary (a reset, an issue or a turnover). */
      lifetimeMinutes: number | null | 'boundary';
      appliesTo: Feature[];
      cap: number | null;
      floor: number | null;
    }
  | {
      kind: 'schedule';
      units: number;
      priority: number;
      category: GrantCategory;
      appliesTo: Feature[];
      period: string;
      startAt: StartAt;
      cap: number | null;
      floor: number | null;
      ends: null | { afterMinutes: number } | { atBoundary: number; deltaMs: -1 | 0 | 1 };
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'debit'; units: number; feature: Feature | null; policy: InsufficientPolicy }
  | { kind: 'hold'; units: number; feature: Feature | null; expiresInMinutes: number | 'boundary' }
  | { kind: 'capture'; pick: number; units: number | null }
  | { kind: 'release'; pick: number }
  | { kind: 'void'; pick: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'update'; pick: number; priority: number | null; expiresInMinutes: number | 'never' | 'keep' | 'boundary' }
  | { kind: 'clock'; minutes: number; extraMs: number }
  | { kind: 'next'; delta: -1 | 0 | 1 };

interface Scenario {
  pace: Pace;
  start: number;
  overdraftLimitUnits: number;
  usagePeriod: { period: string; anchor: number } | null;
  commands: Command[];
}

const HOURS = 60;
const DAYS = 24 * HOURS;
const MAX_SPAN: Record<Pace, number> = { day: 60 * DAY, month: 490 * DAY };

const featureArbitrary = fc.constantFrom<Feature | null>(null, null, 'chat', 'image');
const appliesToArbitrary = fc.constantFrom<Feature[]>([], [], [], ['chat'], ['image'], ['chat', 'image']);
const capArbitrary = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) });
const floorArbitrary = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) });

function smallOrLarge(max: number): fc.Arbitrary<number> {
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 80 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max }) });
}

function commandArbitrary(pace: Pace): fc.Arbitrary<Command> {
  const longest = pace === 'day' ? 40 * DAYS : 14 * 31 * DAYS;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('grant' as const),
        units: fc.integer({ min: 1, max: 1000 }),
        priority: fc.oneof(fc.constantFrom(0, 50, 100), fc.integer({ min: 0, max: 100 })),
        category: fc.constantFrom<GrantCategory>('paid', 'promotional'),
        effectiveInMinutes: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -120, max: 3 * DAYS }) }),
        lifetimeMinutes: fc.oneof(
          { weight: 4, arbitrary: fc.constant(null) },
          { weight: 3, arbitrary: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: pace === 'day' ? 20 * DAYS : 120 * DAYS })) },
          { weight: 1, arbitrary: fc.constant('boundary' as const) },
        ),
        appliesTo: appliesToArbitrary,
        cap: capArbitrary,
        floor: floorArbitrary,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('schedule' as const),
        units: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 500 })),
        priority: fc.oneof(fc.constantFrom(0, 50, 100), fc.integer({ min: 0, max: 100 })),
        category: fc.constantFrom<GrantCategory>('paid', 'promotional'),
        appliesTo: appliesToArbitrary,
        period: pace === 'day' ? fc.constantFrom('P1D', 'P1D', 'P1W', 'P2D') : fc.constantFrom('P1M', 'P1M', 'P1M', 'P2M', 'P1W', 'P1Y'),
        startAt: fc.oneof(
          { weight: 3, arbitrary: fc.constant<StartAt>({ kind: 'now' }) },
          { weight: 2, arbitrary: fc.integer({ min: -120, max: 5 * DAYS }).map((minutes): StartAt => ({ kind: 'in', minutes })) },
          { weight: 2, arbitrary: fc.integer({ min: 0, max: 23 }).map((hour): StartAt => ({ kind: 'monthEnd', hour })) },
        ),
        cap: capArbitrary,
        floor: floorArbitrary,
        ends: fc.oneof(
          { weight: 3, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.record({ afterMinutes: fc.integer({ min: 0, max: pace === 'day' ? 30 * DAYS : 300 * DAYS }) }) },
          { weight: 1, arbitrary: fc.record({ atBoundary: fc.integer({ min: 0, max: 6 }), deltaMs: fc.constantFrom<-1 | 0 | 1>(-1, 0, 0, 1) }) },
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('debit' as const),
        // Sometimes far more than any wallet holds: with `partial`, it uses up every grant it may (floors then bring them back).
        units: fc.oneof({ weight: 3, arbitrary: smallOrLarge(1500) }, { weight: 2, arbitrary: fc.constant(1_000_000) }),
        feature: featureArbitrary,
        policy: fc.constantFrom<InsufficientPolicy>('reject', 'partial', 'overdraft'),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('hold' as const),
        units: smallOrLarge(600),
        feature: featureArbitrary,
        expiresInMinutes: fc.oneof(
          { weight: 2, arbitrary: fc.integer({ min: 1, max: 240 }) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: pace === 'day' ? 5 * DAYS : 45 * DAYS }) },
          { weight: 1, arbitrary: fc.constant('boundary' as const) },
        ),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), units: fc.option(fc.integer({ min: 1, max: 400 }), { nil: null }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('update' as const),
        pick: fc.nat(),
        priority: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
        expiresInMinutes: fc.oneof(fc.constantFrom('never' as const, 'keep' as const, 'boundary' as const), fc.integer({ min: -30, max: 20 * DAYS })),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('clock' as const),
        minutes: fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 0, max: 120 }) },
          { weight: 3, arbitrary: fc.integer({ min: 1, max: 10 }).map((days) => days * DAYS) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: 10 * DAYS }) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: longest }) },
        ),
        extraMs: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: MINUTE - 1 }) }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('next' as const), delta: fc.constantFrom<-1 | 0 | 1>(-1, 0, 0, 1) }) },
  );
}

/** Instants worth starting from: month ends (leap and common years), a year end, and arbitrary minutes. */
const startArbitrary = fc.oneof(
  fc.constantFrom(T0, utc('2024-01-31T09:30:00.000Z'), utc('2023-01-31T00:00:00.000Z'), utc('2024-02-29T12:00:00.000Z'), utc('2027-12-31T23:59:00.000Z')),
  fc.integer({ min: Date.UTC(2020, 0, 1) / MINUTE, max: Date.UTC(2030, 0, 1) / MINUTE }).map((minutes) => minutes * MINUTE),
);

function usagePeriodArbitrary(pace: Pace, start: number): fc.Arbitrary<Scenario['usagePeriod']> {
  const date = new Date(start);
  const periods = pace === 'day' ? fc.constantFrom('P1D', 'P1W') : fc.constantFrom('P1M', 'P1M', 'P1W', 'P2M');
  const anchor = fc.oneof(
    fc.constant(start),
    fc.integer({ min: -60 * DAYS, max: 20 * DAYS }).map((minutes) => start + minutes * MINUTE),
    // The last day of a month near the start, at a whole hour.
    fc.tuple(fc.integer({ min: -3, max: 1 }), fc.integer({ min: 0, max: 23 })).map(([months, hour]) => Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months + 1, 0, hour)),
  );
  return fc.option(fc.record({ period: periods, anchor }), { nil: null, freq: 4 });
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .tuple(fc.constantFrom<Pace>('day', 'month'), startArbitrary)
  .chain(([pace, start]) =>
    fc.record({
      pace: fc.constant(pace),
      start: fc.constant(start),
      overdraftLimitUnits: fc.constantFrom(0, 0, 50, 300),
      usagePeriod: usagePeriodArbitrary(pace, start),
      commands: fc.array(commandArbitrary(pace), { minLength: 1, maxLength: 40, size: 'max' }),
    }),
  );

// ---------------------------------------------------------------------------
// Running a scenario
// ---------------------------------------------------------------------------

interface EngineRun {
  snapshot: WalletSnapshot;
  entries: LedgerEntryDraft[];
}

function outcomeOf(run: () => void): Outcome {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof CreditbookError || error instanceof ModelError) return error.code;
    throw error;
  }
}

/** One transaction at `now`; on a throw nothing is kept, like a rolled-back write. */
function transact(engine: EngineRun, now: number, operate: (transaction: WalletTransaction) => void = () => {}): Outcome {
  return outcomeOf(() => {
    const transaction = new WalletTransaction(engine.snapshot, now, ISSUED_ID);
    operate(transaction);
    const result = transaction.result();
    engine.snapshot = result.snapshot;
    engine.entries.push(...result.entries);
  });
}

function observe(snapshot: WalletSnapshot, at: number): Observation {
  const view = computeBalance(snapshot, at);
  return {
    available: view.available,
    held: view.held,
    scheduled: view.scheduled,
    overdraft: view.overdraft,
    period: view.period,
    grants: grantViews(view.grants.map(({ grant }) => grant)),
  };
}

/** (b) The invariants every stored state keeps. */
function checkInvariants(engine: EngineRun, overdraftLimit: bigint, label: string): void {
  const { snapshot, entries } = engine;
  for (const grant of snapshot.grants) {
    const parts = [grant.available, grant.held, grant.consumed, grant.expired, grant.voided];
    assert.equal(
      parts.reduce((sum, part) => sum + part, 0n),
      grant.amount,
      `${label}: split of ${grant.id}`,
    );
    assert.ok(
      parts.every((part) => part >= 0n),
      `${label}: negative part on ${grant.id}`,
    );
    assert.ok(grant.rolledOver >= 0n, `${label}: negative rolledOver on ${grant.id}`);
  }
  assert.ok(snapshot.wallet.overdraft >= 0n && snapshot.wallet.overdraft <= overdraftLimit, `${label}: overdraft out of bounds`);
  entries.forEach((entry, index) => {
    assert.equal(entry.sequence, index + 1, `${label}: sequence`);
    if (index > 0) assert.ok(entry.effectiveAt >= entries[index - 1]!.effectiveAt, `${label}: entry #${entry.sequence} is earlier than the one before`);
  });
  assert.ok((entries.at(-1)?.effectiveAt ?? Number.MIN_SAFE_INTEGER) <= snapshot.wallet.advancedTo, `${label}: an entry after advancedTo`);
  assert.deepEqual(verifyWallet(snapshot, entries), [], `${label}: verifyWallet`);
}

interface ScenarioRun {
  main: EngineRun;
  model: ReferenceModel;
  /** The balance observed at each instant the run stopped at (the last one at that instant). */
  observations: Map<number, Observation>;
  /** How many event instants (starts, lapses, expiries, resets, issues, turnovers) the clock moves crossed. */
  boundariesCrossed: number;
}

function runScenario(scenario: Scenario): ScenarioRun {
  const overdraftLimit = BigInt(scenario.overdraftLimitUnits) * UNIT;
  const main: EngineRun = { snapshot: emptyWallet({ overdraftLimit }), entries: [] };
  const twin: EngineRun = { snapshot: emptyWallet({ overdraftLimit }), entries: [] };
  const model = new ReferenceModel(overdraftLimit, scenario.start);
  const observations = new Map<number, Observation>();
  let boundariesCrossed = 0;

  const setUp = (transaction: WalletTransaction) => {
    if (scenario.usagePeriod) transaction.setUsagePeriod(scenario.usagePeriod);
  };
  transact(main, scenario.start, setUp);
  transact(twin, scenario.start, setUp);
  if (scenario.usagePeriod) model.setUsagePeriod(scenario.usagePeriod.period, scenario.usagePeriod.anchor);
  observations.set(scenario.start, observe(main.snapshot, scenario.start));

  scenario.commands.forEach((command, step) => {
    const label = `step ${step} ${JSON.stringify(command)}`;
    const limit = scenario.start + MAX_SPAN[scenario.pace];
    let now = model.now;
    if (command.kind === 'clock') now = Math.min(limit, model.now + command.minutes * MINUTE + command.extraMs);
    if (command.kind === 'next') now = Math.min(limit, Math.max(model.now, (model.nextEventAt() ?? model.now + DAY) + command.delta));

    // Each side runs the same operation; `engineResult` / `modelResult` carry what it returned.
    let engineResult: unknown;
    let twinResult: unknown;
    let modelResult: unknown;
    const both = (operate: (transaction: WalletTransaction) => unknown): [Outcome, Outcome] => [
      transact(main, now, (transaction) => {
        engineResult = operate(transaction);
      }),
      transact(twin, now, (transaction) => {
        twinResult = operate(transaction);
      }),
    ];
    const onModel = (operate: () => unknown): Outcome =>
      outcomeOf(() => {
        modelResult = operate();
      });
    const pickGrant = (pick: number) => model.grants[pick % model.grants.length]?.id;
    const pickHold = (pick: number) => model.holds[pick % model.holds.length];
    const pickSchedule = (pick: number) => model.schedules[pick % model.schedules.length]?.id;
    // Landing exactly on a boundary is what the same-instant order is about.
    const nextBoundary = () => model.nextBoundaryAt() ?? now + DAY;

    let outcomes: [Outcome, Outcome];
    let modelOutcome: Outcome;
    switch (command.kind) {
      case 'grant': {
        const effectiveAt = now + command.effectiveInMinutes * MINUTE;
        const input = {
          id: `g${step}`,
          amount: BigInt(command.units) * UNIT,
          category: command.category,
          priority: command.priority,
          effectiveAt,
          expiresAt:
            command.lifetimeMinutes === null ? null : command.lifetimeMinutes === 'boundary' ? nextBoundary() : effectiveAt + command.lifetimeMinutes * MINUTE,
          appliesTo: command.appliesTo,
          cap: command.cap === null ? null : BigInt(command.cap) * UNIT,
          floor: command.floor === null ? null : BigInt(command.floor) * UNIT,
        };
        outcomes = both((transaction) => transaction.addGrant({ ...input, resetMaxRollover: input.cap, resetMinRollover: input.floor }).id);
        modelOutcome = onModel(() => model.addGrant(input).id);
        break;
      }
      case 'schedule': {
        let effectiveAt = now;
        if (command.startAt.kind === 'in') effectiveAt = now + command.startAt.minutes * MINUTE;
        if (command.startAt.kind === 'monthEnd') {
          const date = new Date(now);
          effectiveAt = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0, command.startAt.hour);
          if (effectiveAt <= now) effectiveAt = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 2, 0, command.startAt.hour);
        }
        const id = `s${step}`;
        const anchor = Math.max(effectiveAt, now);
        let endsAt: number | null = null;
        if (command.ends && 'afterMinutes' in command.ends) endsAt = anchor + command.ends.afterMinutes * MINUTE;
        if (command.ends && 'atBoundary' in command.ends) endsAt = nthBoundary(anchor, calendarPeriod(command.period), command.ends.atBoundary) + command.ends.deltaMs;
        const first = {
          amount: BigInt(command.units) * UNIT,
          category: command.category,
          priority: command.priority,
          effectiveAt,
          appliesTo: command.appliesTo,
          cap: command.cap === null ? null : BigInt(command.cap) * UNIT,
          floor: command.floor === null ? null : BigInt(command.floor) * UNIT,
        };
        outcomes = both((transaction) => {
          const made = transaction.createSchedule({
            scheduleId: id,
            firstGrant: { ...first, id: `${id}-0`, expiresAt: null, resetMaxRollover: first.cap, resetMinRollover: first.floor },
            recurrencePeriod: command.period,
            endsAt,
          });
          assert.equal(made.grant.source, 'recurring');
          assert.equal(made.grant.scheduleId, id);
          return made.schedule.anchor;
        });
        modelOutcome = onModel(() => {
          model.createSchedule({ id, period: command.period, endsAt, first });
          return model.schedules.at(-1)!.anchor;
        });
        break;
      }
      case 'cancel': {
        const scheduleId = pickSchedule(command.pick);
        if (!scheduleId) return;
        outcomes = both((transaction) => transaction.cancelSchedule(scheduleId).cancelledAt);
        modelOutcome = onModel(() => {
          model.cancelSchedule(scheduleId);
          return model.schedules.find((schedule) => schedule.id === scheduleId)!.cancelledAt;
        });
        break;
      }
      case 'debit': {
        const amount = BigInt(command.units) * UNIT;
        outcomes = both((transaction) => {
          const { allocations, overdrawn, shortfall } = transaction.debit({ debitId: `d${step}`, amount, feature: command.feature, policy: command.policy });
          return { allocations, overdrawn, shortfall };
        });
        modelOutcome = onModel(() => model.debit(amount, command.feature, command.policy));
        break;
      }
      case 'hold': {
        const amount = BigInt(command.units) * UNIT;
        const expiresAt = command.expiresInMinutes === 'boundary' ? nextBoundary() : now + command.expiresInMinutes * MINUTE;
        outcomes = both((transaction) =>
          transaction.placeHold({ holdId: `h${step}`, amount, feature: command.feature, expiresAt }).allocations.map((allocation) => ({ ...allocation })),
        );
        modelOutcome = onModel(() => model.placeHold(`h${step}`, amount, command.feature, expiresAt));
        break;
      }
      case 'capture': {
        const hold = pickHold(command.pick);
        if (!hold) return;
        const held = hold.amount / UNIT;
        const amount = command.units === null ? null : (((BigInt(command.units) - 1n) % held) + 1n) * UNIT;
        outcomes = both((transaction) => transaction.capture({ holdId: hold.id, debitId: `d${step}`, amount }).allocations);
        modelOutcome = onModel(() => model.capture(hold.id, amount));
        break;
      }
      case 'release': {
        const hold = pickHold(command.pick);
        if (!hold) return;
        outcomes = both((transaction) => void transaction.release(hold.id));
        modelOutcome = onModel(() => model.release(hold.id));
        break;
      }
      case 'void': {
        const grantId = pickGrant(command.pick);
        if (!grantId) return;
        outcomes = both((transaction) => void transaction.voidGrant(grantId));
        modelOutcome = onModel(() => model.voidGrant(grantId));
        break;
      }
      case 'expire': {
        const grantId = pickGrant(command.pick);
        if (!grantId) return;
        outcomes = both((transaction) => void transaction.expireGrant(grantId));
        modelOutcome = onModel(() => model.expireGrant(grantId));
        break;
      }
      case 'update': {
        const grantId = pickGrant(command.pick);
        if (!grantId) return;
        const changes: { priority?: number; expiresAt?: number | null } = {};
        if (command.priority !== null) changes.priority = command.priority;
        if (command.expiresInMinutes === 'never') changes.expiresAt = null;
        else if (command.expiresInMinutes === 'boundary') changes.expiresAt = nextBoundary();
        else if (command.expiresInMinutes !== 'keep') changes.expiresAt = now + command.expiresInMinutes * MINUTE;
        outcomes = both((transaction) => void transaction.updateGrant(grantId, changes));
        modelOutcome = onModel(() => model.updateGrant(grantId, changes));
        break;
      }
      case 'clock':
      case 'next': {
        const instants = model.advance(now);
        boundariesCrossed += instants.length;
        // main crosses them all in one transaction; the twin stops at each (and just before every other one).
        outcomes = [transact(main, now), 'ok'];
        instants.forEach((instant, index) => {
          for (const at of index % 2 === 0 && instant - 1 > twin.snapshot.wallet.advancedTo ? [instant - 1, instant] : [instant]) {
            assert.equal(transact(twin, at), 'ok');
            observations.set(at, observe(twin.snapshot, at));
          }
        });
        outcomes[1] = transact(twin, now);
        modelOutcome = 'ok';
        break;
      }
    }
    model.advance(now);

    // Same outcome and result everywhere.
    assert.equal(outcomes[0], modelOutcome, `${label}: outcome`);
    assert.equal(outcomes[1], modelOutcome, `${label}: twin outcome`);
    assert.deepEqual(engineResult, modelResult, `${label}: result`);
    assert.deepEqual(twinResult, engineResult, `${label}: twin result`);

    // (a) Stopping at every instant in between changes nothing.
    assert.deepEqual(twin.entries, main.entries, `${label}: twin entries`);
    assert.deepEqual(twin.snapshot, main.snapshot, `${label}: twin snapshot`);
    // (b) Invariants.
    checkInvariants(main, overdraftLimit, label);
    // (c) The model agrees on balances, the usage period and every grant's parts; and on the schedules.
    const observed = observe(main.snapshot, now);
    assert.deepEqual(observed, model.observe(), `${label}: balance`);
    assert.deepEqual(
      main.snapshot.schedules.map((schedule) => [schedule.id, schedule.anchor, schedule.issuedCount, schedule.cancelledAt]),
      model.schedules.map((schedule) => [schedule.id, schedule.anchor, schedule.issued, schedule.cancelledAt]),
      `${label}: schedules`,
    );
    for (const grant of main.snapshot.grants) {
      if (grant.scheduleId !== null) assert.equal(grant.source, 'recurring', `${label}: source of ${grant.id}`);
    }
    observations.set(now, observed);
  });
  return { main, model, observations, boundariesCrossed };
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('periods, schedules and rollover: properties', () => {
  it('the engine calendar equals an independent one (month ends, leap years, weeks, days)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
          fc
            .tuple(fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: DAY - 1 }))
            .map(([year, month, time]) => Date.UTC(year, month + 1, 0) + time),
        ),
        fc.constantFrom('P1D', 'P2D', 'P1W', 'P2W', 'P1M', 'P2M', 'P3M', 'P1Y'),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: -DAY, max: 40 * DAY }),
        (anchor, text, k, offset) => {
          const engine = parsePeriod(text);
          const model = calendarPeriod(text);
          const at = nthBoundary(anchor, model, k);
          assert.equal(boundary(anchor, engine, k), at, `boundary ${k} of ${text} from ${new Date(anchor).toISOString()}`);
          // A boundary keeps the anchor's time of day, and never lands after the anchor's day of month.
          assert.equal(((at % DAY) + DAY) % DAY, ((anchor % DAY) + DAY) % DAY);
          if (model.unit === 'M' || model.unit === 'Y') assert.ok(new Date(at).getUTCDate() <= new Date(anchor).getUTCDate());
          const probe = at + offset;
          assert.equal(periodIndexAt(anchor, engine, probe), indexAt(anchor, model, probe), `index at ${new Date(probe).toISOString()}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('after every step: one jump equals stopping at every event, the invariants hold, and the reference model agrees', () => {
    // How often the generators reach what this file is about, so that a change to them cannot quietly stop testing it.
    const reached = { instantsCrossed: 0, grantsReset: 0, capExpiries: 0, floorTopUps: 0, usedUpTopUps: 0, issuedGrants: 0, cancelledSchedules: 0, yearLongRuns: 0 };
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { main, model, boundariesCrossed } = runScenario(scenario);
        const grants = new Map(main.snapshot.grants.map((grant) => [grant.id, grant]));
        reached.instantsCrossed += boundariesCrossed;
        reached.grantsReset += main.snapshot.grants.filter((grant) => grant.lastResetAt !== null).length;
        reached.capExpiries += main.entries.filter((entry) => {
          const expiresAt = grants.get(entry.grantId ?? '')?.expiresAt ?? null;
          return entry.type === 'expiry' && (expiresAt === null || entry.effectiveAt < expiresAt);
        }).length;
        reached.floorTopUps += main.entries.filter((entry) => entry.type === 'adjustment').length;
        // Top-ups of a grant that had nothing left (a store does not load such a grant between boundaries).
        const left = new Map<string | null, bigint>();
        for (const entry of main.entries) {
          if (entry.type === 'adjustment' && (left.get(entry.grantId) ?? 0n) === 0n) reached.usedUpTopUps += 1;
          left.set(entry.grantId, (left.get(entry.grantId) ?? 0n) + entry.amount);
        }
        reached.issuedGrants += main.snapshot.grants.filter((grant) => grant.scheduleId !== null && !grant.id.endsWith('-0')).length;
        reached.cancelledSchedules += main.snapshot.schedules.filter((schedule) => schedule.cancelledAt !== null).length;
        if (model.now - scenario.start > 365 * DAY) reached.yearLongRuns += 1;
      }),
      { numRuns: 300 },
    );
    const floors = { instantsCrossed: 2000, grantsReset: 300, capExpiries: 300, floorTopUps: 10, usedUpTopUps: 5, issuedGrants: 300, cancelledSchedules: 10, yearLongRuns: 5 };
    for (const [what, least] of Object.entries(floors)) {
      assert.ok(reached[what as keyof typeof reached] >= least, `the scenarios reached ${what} only ${reached[what as keyof typeof reached]} times: ${JSON.stringify(reached)}`);
    }
  });

  it('a balance replayed from the ledger as of any observed time equals what was observed then, across resets and turnovers', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { main, observations } = runScenario(scenario);
        const { wallet, grants, holds, schedules } = main.snapshot;
        for (const [at, observed] of observations) {
          // Every entry, as verify passes them: replay applies those up to `at`, and reads later ones only
          // for the top-ups of grants not yet effective at `at` (see replay.ts).
          const replayed = replayWallet({ wallet, grants, holds, schedules, entries: main.entries, at });
          assert.deepEqual(observe(replayed, at), observed, `as of ${new Date(at).toISOString()} (${at - scenario.start} ms in)`);
        }
      }),
      { numRuns: 180 },
    );
  });

  it('from any state, a jump of up to 14 months equals advancing one boundary at a time', () => {
    const arbitrary = scenarioArbitrary.chain((scenario) => fc.tuple(fc.constant(scenario), fc.integer({ min: 1, max: (scenario.pace === 'day' ? 45 : 14 * 31) * DAYS })));
    fc.assert(
      fc.property(arbitrary, ([scenario, minutes]) => {
        const { main, model } = runScenario(scenario);
        const start = model.now;
        const end = start + minutes * MINUTE;
        const jump = new WalletTransaction(main.snapshot, end, ISSUED_ID).result();

        // The boundaries in between, from the independent calendar: usage period and every schedule's.
        const boundaries = new Set<number>();
        const collect = (anchor: number, period: CalendarPeriod) => {
          for (let k = Math.max(0, indexAt(anchor, period, start)); ; k += 1) {
            const at = nthBoundary(anchor, period, k);
            if (at > end) break;
            if (at > start) boundaries.add(at);
          }
        };
        if (model.usagePeriod) collect(model.usagePeriod.anchor, model.usagePeriod.period);
        for (const schedule of model.schedules) collect(schedule.anchor, schedule.period);

        let snapshot = main.snapshot;
        const entries: LedgerEntryDraft[] = [];
        for (const at of [...boundaries].sort((a, b) => a - b).concat(end)) {
          const result = new WalletTransaction(snapshot, at, ISSUED_ID).result();
          snapshot = result.snapshot;
          entries.push(...result.entries);
        }
        const pick = (entry: LedgerEntryDraft) => [entry.sequence, entry.type, entry.grantId, entry.amount, entry.heldAmount, entry.effectiveAt];
        assert.deepEqual(entries.map(pick), jump.entries.map(pick));
        assert.deepEqual(snapshot, jump.snapshot);
        assert.deepEqual(observe(snapshot, end), observe(jump.snapshot, end));
        // And the model, told to let the same time pass, agrees with both.
        model.advance(end);
        assert.deepEqual(observe(jump.snapshot, end), model.observe());
        assert.deepEqual(verifyWallet(jump.snapshot, [...main.entries, ...jump.entries]), []);
      }),
      { numRuns: 140 },
    );
  });
});
