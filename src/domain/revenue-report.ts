import type { Amount } from './amount.ts';
import { moneyOfOutflow, type CostBasis, type OutflowKind } from './revenue-allocation.ts';
import type { Instant, LedgerEntryType } from './types.ts';

/**
 * The revenue report of one paid grant over a period, from its ledger entries
 * alone (docs/finance.md#the-revenue-report). Pure: the app loads the entries.
 *
 * An entry belongs to the period in which it was booked (`bookedAt`, the
 * ledger's `created_at`), never to an earlier one: entries are only appended
 * at the time of booking, so a period that has ended never changes.
 */
export type GrantMovement =
  | { kind: 'granted'; credits: Amount; bookedAt: Instant }
  /** Credits added without money (a rollover floor's top-up). */
  | { kind: 'added'; credits: Amount; bookedAt: Instant }
  | { kind: OutflowKind; credits: Amount; bookedAt: Instant };

export interface Period {
  /** Inclusive. */
  from: Instant;
  /** Exclusive. */
  to: Instant;
}

export interface CreditsAndMoney {
  credits: Amount;
  money: bigint;
}

export interface GrantRevenue {
  opening: CreditsAndMoney;
  paid: CreditsAndMoney;
  recognised: CreditsAndMoney;
  breakage: CreditsAndMoney;
  refunded: CreditsAndMoney;
  closing: CreditsAndMoney;
}

const zero = (): CreditsAndMoney => ({ credits: 0n, money: 0n });

export function emptyRevenue(): GrantRevenue {
  return { opening: zero(), paid: zero(), recognised: zero(), breakage: zero(), refunded: zero(), closing: zero() };
}

const bucketOf: Record<OutflowKind, 'recognised' | 'breakage' | 'refunded'> = { recognised: 'recognised', breakage: 'breakage', refund: 'refunded' };

/**
 * One grant's report for `period`, movement by movement in ledger (sequence)
 * order, so a caller can feed a grant's entries a chunk at a time. Deferred
 * (opening, closing) is what was granted and has not left, in credits
 * (available and held) and in money.
 */
export class GrantRevenueWalk {
  readonly revenue = emptyRevenue();
  private left = 0n;

  constructor(
    private readonly basis: CostBasis,
    private readonly period: Period,
  ) {}

  add(movement: GrantMovement): void {
    const report = this.revenue;
    const before = movement.bookedAt < this.period.from;
    const within = movement.bookedAt < this.period.to;
    if (movement.kind === 'granted' || movement.kind === 'added') {
      if (!within) return;
      const money = movement.kind === 'granted' ? this.basis.price : 0n;
      add(before ? report.opening : report.paid, movement.credits, money);
      add(report.closing, movement.credits, money);
      return;
    }
    // An outflow's money depends only on what left before it in ledger order, never on the period asked for.
    const money = moneyOfOutflow(this.basis, this.left, movement.credits);
    this.left += movement.credits;
    if (!within) return;
    if (before) add(report.opening, -movement.credits, -money);
    else add(report[bucketOf[movement.kind]], movement.credits, money);
    add(report.closing, -movement.credits, -money);
  }
}

/** One grant's report for `period`, from all its movements in ledger order. */
export function grantRevenue(basis: CostBasis, movements: readonly GrantMovement[], period: Period): GrantRevenue {
  const walk = new GrantRevenueWalk(basis, period);
  for (const movement of movements) walk.add(movement);
  return walk.revenue;
}

function add(target: CreditsAndMoney, credits: Amount, money: bigint): void {
  target.credits += credits;
  target.money += money;
}

/** Adds one grant's report into a running total. */
export function addRevenue(total: GrantRevenue, part: GrantRevenue): void {
  for (const key of Object.keys(total) as (keyof GrantRevenue)[]) add(total[key], part[key].credits, part[key].money);
}

/**
 * How a ledger entry on a grant moves it: debits, captures and overdraft
 * repayments are consumption (recognised); expiries and voids are breakage,
 * except a void a credit note records (a refund); holds and releases move credit
 * between available and held, both still deferred. Undefined: no movement.
 */
export function movementOf(entry: { type: LedgerEntryType; amount: Amount; heldAmount: Amount; createdAt: Instant }, refund: boolean): GrantMovement | undefined {
  const bookedAt = entry.createdAt;
  switch (entry.type) {
    case 'grant':
      return { kind: 'granted', credits: entry.amount, bookedAt };
    case 'adjustment':
      return entry.amount > 0n ? { kind: 'added', credits: entry.amount, bookedAt } : { kind: 'breakage', credits: -entry.amount, bookedAt };
    case 'debit':
    case 'repayment':
      return { kind: 'recognised', credits: -entry.amount, bookedAt };
    case 'capture':
      return { kind: 'recognised', credits: -entry.heldAmount, bookedAt };
    case 'expiry':
      return { kind: 'breakage', credits: -entry.amount, bookedAt };
    case 'void':
      return { kind: refund ? 'refund' : 'breakage', credits: -entry.amount, bookedAt };
    default:
      return undefined;
  }
}
