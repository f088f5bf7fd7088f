import { calendarPeriod, firstBoundaryAfter, indexAt, nthBoundary, type CalendarPeriod } from './reference-calendar.ts';
import { grantViews, ModelError, type ModelGrant, type ModelHold, type ModelSchedule, type NewModelGrant, type Observation } from './reference-model-records.ts';
import type { Allocation, InsufficientPolicy } from './types.ts';

/*
 * The one reference model of the credit engine, for tests only: a small re-statement
 * of docs/semantics.md and docs/rollover.md ("Usage periods, recurring grants and rollover"),
 * sharing no code with the engine (not even the calendar: reference-calendar.ts; it imports only types).
 * engine.property.test.ts and periods.property.test.ts run it beside the engine;
 * test/store-contract/rollover.property.test.ts beside the app on SQLite and PostgreSQL.
 *
 * What it states:
 * - burn order: priority, expiry (never last), promotional first, effectiveAt, creation;
 * - a backdated grant starts when it is created; a new grant that may pay for anything
 *   repays the overdraft first; a purchase awaiting payment starts only once paid (at
 *   its effectiveAt if later; paid after its expiry, it starts and expires at once);
 * - held credit goes back to its grant when the hold ends, or is forfeited if the grant
 *   is dead; a grant not yet started cannot be expired, only voided;
 * - a grant with a cap or a floor resets at every boundary of the wallet's usage period or,
 *   when the wallet has none, of its schedule's period (still after the schedule is
 *   cancelled); a grant of its own on a wallet without a period, or one with neither
 *   cap nor floor, never resets; the first reset is the first boundary after it starts;
 * - what is left carries as min(cap, max(floor, left)), also when nothing is left; for a
 *   schedule, "left" is what all its grants have left together: the excess expires oldest
 *   first, a top-up goes to the newest (and grows its amount); held credit is not "left";
 *   a top-up repays no overdraft;
 * - at one instant: starts, lapsed holds, expiries, resets (grants of their own, then
 *   schedules, each in creation order), issues (each new grant starts and repays the
 *   overdraft at once), the turnover, then the operation at that instant;
 * - usage counts debits (what was taken or overdrawn) and captures, and is 0 after a turnover.
 */

function burnOrderKey(grant: ModelGrant): number[] {
  return [grant.priority, grant.expiresAt ?? Number.POSITIVE_INFINITY, grant.category === 'promotional' ? 0 : 1, grant.effectiveAt, grant.ordinal];
}

function inBurnOrder(grants: ModelGrant[]): ModelGrant[] {
  return [...grants].sort((left, right) => {
    const a = burnOrderKey(left);
    const b = burnOrderKey(right);
    for (let index = 0; index < a.length; index += 1) {
      if (a[index] !== b[index]) return a[index]! < b[index]! ? -1 : 1;
    }
    return 0;
  });
}

const smaller = (a: bigint, b: bigint) => (a < b ? a : b);

export class ReferenceModel {
  readonly grants: ModelGrant[] = [];
  readonly holds: ModelHold[] = [];
  readonly schedules: ModelSchedule[] = [];
  overdraft = 0n;
  usagePeriod: { period: CalendarPeriod; anchor: number } | null = null;
  /** Index of the current usage period (-1 before its anchor). */
  periodIndex = -1;
  usage = 0n;

  constructor(
    readonly overdraftLimit: bigint,
    public now: number,
  ) {}

  setUsagePeriod(text: string, anchor: number): void {
    this.usagePeriod = { period: calendarPeriod(text), anchor };
    this.periodIndex = indexAt(anchor, this.usagePeriod.period, this.now);
    this.usage = 0n;
  }

  private live(grant: ModelGrant): boolean {
    return grant.started && !grant.isVoided && !grant.isExpired;
  }

  private waitsToStart(grant: ModelGrant): boolean {
    return !grant.started && !grant.isVoided && !grant.awaitsPayment;
  }

  /** A grant with a cap or a floor resets on the wallet's usage period, else on its schedule's. */
  private nextResetOf(grant: ModelGrant): number | null {
    if (!this.live(grant) || (grant.cap === null && grant.floor === null)) return null;
    const schedule = this.schedules.find((candidate) => candidate.id === grant.scheduleId);
    const rhythm = this.usagePeriod ?? (schedule ? { period: schedule.period, anchor: schedule.anchor } : null);
    if (!rhythm) return null;
    const since = grant.lastResetAt ?? grant.startsAt;
    return firstBoundaryAfter(rhythm.anchor, rhythm.period, since);
  }

  private nextIssueOf(schedule: ModelSchedule): number | null {
    if (schedule.cancelledAt !== null) return null;
    const at = nthBoundary(schedule.anchor, schedule.period, schedule.issued);
    return schedule.endsAt !== null && at >= schedule.endsAt ? null : at;
  }

  private nextTurnover(): number | null {
    return this.usagePeriod ? nthBoundary(this.usagePeriod.anchor, this.usagePeriod.period, this.periodIndex + 1) : null;
  }

  /** The next reset, issue or turnover, or null. */
  nextBoundaryAt(): number | null {
    const times = [...this.grants.map((grant) => this.nextResetOf(grant)), ...this.schedules.map((schedule) => this.nextIssueOf(schedule)), this.nextTurnover()];
    return times.reduce<number | null>((best, time) => (time !== null && (best === null || time < best) ? time : best), null);
  }

  /** The earliest instant at which anything happens by itself, or null. */
  nextEventAt(): number | null {
    const times: (number | null)[] = [
      ...this.grants.filter((grant) => this.waitsToStart(grant)).map((grant) => grant.startsAt),
      ...this.holds.filter((hold) => hold.active).map((hold) => hold.expiresAt),
      ...this.grants.filter((grant) => this.live(grant)).map((grant) => grant.expiresAt),
      ...this.grants.map((grant) => this.nextResetOf(grant)),
      ...this.schedules.map((schedule) => this.nextIssueOf(schedule)),
      this.nextTurnover(),
    ];
    let best: number | null = null;
    for (const time of times) if (time !== null && (best === null || time < best)) best = time;
    return best;
  }

  /** Lets time pass up to `to`; returns every instant at which something happened. */
  advance(to: number): number[] {
    const instants: number[] = [];
    for (;;) {
      const at = this.nextEventAt();
      if (at === null || at > to) break;
      instants.push(at);
      this.happenAt(at);
    }
    this.now = Math.max(this.now, to);
    return instants;
  }

  /** Everything due at one instant: starts, lapsed holds, expiries, resets, issues, the period turnover. */
  private happenAt(at: number): void {
    for (const grant of this.grants) if (this.waitsToStart(grant) && grant.startsAt === at) this.start(grant);
    for (const hold of this.holds) if (hold.active && hold.expiresAt === at) this.endHold(hold);
    for (const grant of this.grants) if (this.live(grant) && grant.expiresAt === at) this.expire(grant);

    const resetting = this.grants.filter((grant) => this.nextResetOf(grant) === at);
    // A schedule's grants share one cap and floor; a grant of its own has its own. Grants of their own go first.
    for (const grant of resetting) if (grant.scheduleId === null) this.reset([grant], at);
    for (const schedule of this.schedules) {
      const group = resetting.filter((grant) => grant.scheduleId === schedule.id);
      if (group.length > 0) this.reset(group, at);
    }

    for (const schedule of this.schedules) {
      if (this.nextIssueOf(schedule) !== at) continue;
      const grant = this.push({
        id: `${schedule.id}-${schedule.issued}`,
        amount: schedule.amount,
        category: schedule.category,
        priority: schedule.priority,
        effectiveAt: at,
        expiresAt: null,
        appliesTo: schedule.appliesTo,
        cap: schedule.cap,
        floor: schedule.floor,
      });
      grant.scheduleId = schedule.id;
      schedule.issued += 1;
      this.start(grant);
    }
    if (this.nextTurnover() === at) {
      this.periodIndex += 1;
      this.usage = 0n;
    }
  }

  /**
   * Issue 4: what is left carries as min(max, max(min, left)); the rest expires; a
   * floor above it is a top-up. For a schedule, "left" is what all its grants have
   * left together: the excess expires from the oldest, a top-up goes to the newest.
   */
  private reset(group: ModelGrant[], at: number): void {
    const oldestFirst = [...group].sort((a, b) => a.ordinal - b.ordinal);
    const newest = oldestFirst[oldestFirst.length - 1]!;
    const left = group.reduce((sum, grant) => sum + grant.available, 0n);
    let carried = left;
    if (newest.floor !== null && carried < newest.floor) carried = newest.floor;
    if (newest.cap !== null && carried > newest.cap) carried = newest.cap;
    let excess = left - carried;
    for (const grant of oldestFirst) {
      const part = excess > 0n ? smaller(excess, grant.available) : 0n;
      grant.available -= part;
      grant.expired += part;
      excess -= part;
    }
    if (carried > left) {
      newest.amount += carried - left;
      newest.available += carried - left;
    }
    for (const grant of group) {
      grant.rolledOver += grant.available;
      grant.lastResetAt = at;
    }
  }

  private push(input: NewModelGrant): ModelGrant {
    const grant: ModelGrant = {
      ...input,
      appliesTo: [...input.appliesTo],
      awaitsPayment: input.awaitsPayment ?? false,
      ordinal: this.grants.length + 1,
      available: input.amount,
      held: 0n,
      consumed: 0n,
      expired: 0n,
      voided: 0n,
      startsAt: Math.max(input.effectiveAt, this.now),
      started: false,
      isVoided: false,
      isExpired: false,
      scheduleId: null,
      lastResetAt: null,
      rolledOver: 0n,
    };
    this.grants.push(grant);
    return grant;
  }

  addGrant(input: NewModelGrant): ModelGrant {
    const startsAt = Math.max(input.effectiveAt, this.now);
    if (input.expiresAt !== null && input.expiresAt <= startsAt) throw new ModelError('validation_error');
    const grant = this.push(input);
    this.advance(this.now);
    return grant;
  }

  createSchedule(input: { id: string; period: string; endsAt: number | null; first: Omit<NewModelGrant, 'id' | 'expiresAt'> }): void {
    const anchor = Math.max(input.first.effectiveAt, this.now);
    if (input.endsAt !== null && input.endsAt <= anchor) throw new ModelError('validation_error');
    this.schedules.push({
      id: input.id,
      amount: input.first.amount,
      category: input.first.category,
      priority: input.first.priority,
      appliesTo: [...input.first.appliesTo],
      cap: input.first.cap,
      floor: input.first.floor,
      period: calendarPeriod(input.period),
      anchor,
      issued: 1,
      endsAt: input.endsAt,
      cancelledAt: null,
    });
    const grant = this.push({ ...input.first, id: `${input.id}-0`, effectiveAt: anchor, expiresAt: null });
    grant.scheduleId = input.id;
    this.advance(this.now);
  }

  cancelSchedule(id: string): void {
    const schedule = this.schedules.find((candidate) => candidate.id === id);
    if (!schedule) throw new ModelError('not_found');
    schedule.cancelledAt ??= this.now;
  }

  /** Payment arrived: the grant starts now, or at its effectiveAt if that is later. */
  pay(grantId: string): void {
    const grant = this.grant(grantId);
    if (grant.isVoided) throw new ModelError('state_conflict');
    if (!grant.awaitsPayment) return;
    grant.awaitsPayment = false;
    grant.effectiveAt = grant.startsAt = Math.max(grant.effectiveAt, this.now);
    // Paid too late: it starts and expires when paid.
    if (grant.expiresAt !== null && grant.expiresAt < grant.startsAt) grant.expiresAt = grant.startsAt;
    this.advance(this.now);
  }

  debit(amount: bigint, feature: string | null, policy: InsufficientPolicy): { allocations: Allocation[]; overdrawn: bigint; shortfall: bigint } {
    const spendable = this.spendable(feature);
    const total = spendable.reduce((sum, grant) => sum + grant.available, 0n);
    const missing = amount > total ? amount - total : 0n;
    if (missing > 0n && policy === 'reject') throw new ModelError('insufficient_balance');
    if (missing > 0n && policy === 'overdraft' && this.overdraft + missing > this.overdraftLimit) throw new ModelError('insufficient_balance');
    const allocations = this.take(spendable, amount, (grant, part) => {
      grant.available -= part;
      grant.consumed += part;
    });
    const overdrawn = policy === 'overdraft' ? missing : 0n;
    this.overdraft += overdrawn;
    this.usage += amount - (policy === 'partial' ? missing : 0n);
    return { allocations, overdrawn, shortfall: policy === 'partial' ? missing : 0n };
  }

  placeHold(id: string, amount: bigint, feature: string | null, expiresAt: number): Allocation[] {
    if (expiresAt <= this.now) throw new ModelError('validation_error');
    const spendable = this.spendable(feature);
    if (spendable.reduce((sum, grant) => sum + grant.available, 0n) < amount) throw new ModelError('insufficient_balance');
    const allocations = this.take(spendable, amount, (grant, part) => {
      grant.available -= part;
      grant.held += part;
    });
    this.holds.push({ id, amount, expiresAt, active: true, parts: allocations.map((allocation) => ({ ...allocation })) });
    return allocations;
  }

  capture(holdId: string, amount: bigint | null): Allocation[] {
    const hold = this.activeHold(holdId);
    const wanted = amount ?? hold.amount;
    if (wanted > hold.amount) throw new ModelError('validation_error');
    const captured: Allocation[] = [];
    let remaining = wanted;
    for (const part of hold.parts) {
      const taken = smaller(part.amount, remaining);
      if (taken === 0n) continue;
      const grant = this.grant(part.grantId);
      grant.held -= taken;
      grant.consumed += taken;
      part.amount -= taken;
      remaining -= taken;
      captured.push({ grantId: grant.id, amount: taken });
    }
    this.usage += wanted;
    this.endHold(hold);
    return captured;
  }

  release(holdId: string): void {
    this.endHold(this.activeHold(holdId));
  }

  voidGrant(grantId: string): void {
    const grant = this.grant(grantId);
    if (grant.isVoided) return;
    grant.isVoided = true;
    grant.voided += grant.available;
    grant.available = 0n;
  }

  expireGrant(grantId: string): void {
    const grant = this.grant(grantId);
    if (grant.isVoided) throw new ModelError('state_conflict');
    if (grant.isExpired) return;
    if (!grant.started) throw new ModelError('state_conflict');
    grant.expiresAt = this.now;
    this.expire(grant);
  }

  updateGrant(grantId: string, changes: { priority?: number; expiresAt?: number | null }): void {
    const grant = this.grant(grantId);
    if (grant.isVoided || grant.isExpired) throw new ModelError('state_conflict');
    if (changes.expiresAt !== undefined && changes.expiresAt !== null && changes.expiresAt <= Math.max(grant.startsAt, this.now)) {
      throw new ModelError('validation_error');
    }
    if (changes.expiresAt !== undefined) grant.expiresAt = changes.expiresAt;
    if (changes.priority !== undefined) grant.priority = changes.priority;
  }

  observe(): Observation {
    const active = this.grants.filter((grant) => this.live(grant));
    const scheduled = this.grants.filter((grant) => this.waitsToStart(grant));
    const period = this.usagePeriod;
    return {
      available: active.reduce((sum, grant) => sum + grant.available, 0n),
      held: this.grants.reduce((sum, grant) => sum + grant.held, 0n),
      scheduled: scheduled.reduce((sum, grant) => sum + grant.available, 0n),
      overdraft: this.overdraft,
      period:
        period && this.periodIndex >= 0
          ? {
              start: nthBoundary(period.anchor, period.period, this.periodIndex),
              end: nthBoundary(period.anchor, period.period, this.periodIndex + 1),
              usage: this.usage,
            }
          : null,
      grants: grantViews(this.grants),
    };
  }

  grant(id: string): ModelGrant {
    const grant = this.grants.find((candidate) => candidate.id === id);
    if (!grant) throw new ModelError('not_found');
    return grant;
  }

  private activeHold(id: string): ModelHold {
    const hold = this.holds.find((candidate) => candidate.id === id);
    if (!hold) throw new ModelError('not_found');
    if (!hold.active) throw new ModelError('state_conflict');
    return hold;
  }

  private start(grant: ModelGrant): void {
    grant.started = true;
    if (grant.appliesTo.length === 0) {
      const repaid = smaller(grant.available, this.overdraft);
      grant.available -= repaid;
      grant.consumed += repaid;
      this.overdraft -= repaid;
    }
  }

  private expire(grant: ModelGrant): void {
    grant.isExpired = true;
    grant.expired += grant.available;
    grant.available = 0n;
  }

  private endHold(hold: ModelHold): void {
    for (const part of hold.parts) {
      const grant = this.grant(part.grantId);
      grant.held -= part.amount;
      if (grant.isVoided) grant.voided += part.amount;
      else if (grant.isExpired) grant.expired += part.amount;
      else grant.available += part.amount;
      part.amount = 0n;
    }
    hold.active = false;
  }

  private spendable(feature: string | null): ModelGrant[] {
    return inBurnOrder(
      this.grants.filter(
        (grant) =>
          this.live(grant) &&
          (grant.expiresAt === null || grant.expiresAt > this.now) &&
          grant.available > 0n &&
          (grant.appliesTo.length === 0 || (feature !== null && grant.appliesTo.includes(feature))),
      ),
    );
  }

  private take(grants: ModelGrant[], amount: bigint, apply: (grant: ModelGrant, part: bigint) => void): Allocation[] {
    const allocations: Allocation[] = [];
    let remaining = amount;
    for (const grant of grants) {
      if (remaining === 0n) break;
      const part = smaller(grant.available, remaining);
      apply(grant, part);
      allocations.push({ grantId: grant.id, amount: part });
      remaining -= part;
    }
    return allocations;
  }
}

