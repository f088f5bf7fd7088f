import { sumAmounts, ZERO, type Amount } from './amount.ts';
import { sortInBurnOrder } from './burn-order.ts';
import type { GrantState, Instant } from './types.ts';

export const DAY_MS = 86_400_000;

export interface RunwayInput {
  /** The wallet's grants spendable at `now` (active, with `available` as of `now`). */
  grants: readonly GrantState[];
  now: Instant;
  /** What was consumed over the measured window, and how long that window was. */
  burned: Amount;
  windowMs: number;
}

export interface Runway {
  /**
   * When nothing spendable is left if consumption goes on at the measured rate,
   * burning grants in burn order while expiries take what is left of theirs.
   * Null when that never happens (no consumption, and credit that never expires).
   */
  depletesAt: Instant | null;
  /** The measured rate per day, rounded down to the amount scale. */
  burnPerDay: Amount;
  /** What expires in the next 7 and 30 days if none of it is spent first. */
  expiringIn7Days: Amount;
  expiringIn30Days: Amount;
  expiring: Array<{ grantId: string; available: Amount; expiresAt: Instant }>;
}

/**
 * Projects the wallet forward at a constant burn rate (burned / windowMs). Pure and
 * bounded: each step exhausts or expires one grant, so it takes at most one step per grant.
 * Times are rounded up to the millisecond (the moment the credit is gone).
 */
export function projectRunway(input: RunwayInput): Runway {
  const spendable = sortInBurnOrder(input.grants.filter((grant) => grant.available > ZERO)).map((grant) => ({ grant, left: grant.available }));
  const expiring = spendable
    .filter(({ grant }) => grant.expiresAt !== null && grant.expiresAt > input.now && grant.expiresAt <= input.now + 30 * DAY_MS)
    .map(({ grant, left }) => ({ grantId: grant.id, available: left, expiresAt: grant.expiresAt! }))
    .sort((left, right) => left.expiresAt - right.expiresAt);
  const windowMs = BigInt(Math.max(0, input.windowMs));
  const burned = windowMs === 0n ? ZERO : input.burned;
  // Credit is counted in amount × windowMs, so burning for t ms takes exactly t × burned: no rounding until a time is read.
  const pool = spendable.map(({ grant, left }) => ({ grant, left: left * (windowMs === 0n ? 1n : windowMs) }));
  let now = input.now;
  let depletesAt: Instant | null = null;
  while (depletesAt === null) {
    const first = pool[0];
    if (!first) {
      depletesAt = now;
      break;
    }
    const exhaustsAt = burned > ZERO ? now + Number(ceilDivide(first.left, burned)) : Infinity;
    const nextExpiry = Math.min(...pool.map(({ grant }) => grant.expiresAt ?? Infinity));
    if (exhaustsAt === Infinity && nextExpiry === Infinity) break;
    if (exhaustsAt < nextExpiry) {
      // Rounding up to the millisecond burned a little of the next grant too.
      const overshoot = BigInt(exhaustsAt - now) * burned - first.left;
      pool.shift();
      if (pool[0]) pool[0].left -= overshoot;
      now = exhaustsAt;
      continue;
    }
    // The first grant lasts until the expiry: burn from it, then drop what expires.
    first.left -= BigInt(nextExpiry - now) * burned;
    now = nextExpiry;
    for (let index = pool.length - 1; index >= 0; index -= 1) if (pool[index]!.grant.expiresAt === nextExpiry) pool.splice(index, 1);
  }
  const expiringWithin = (days: number) => sumAmounts(expiring.filter(({ expiresAt }) => expiresAt <= input.now + days * DAY_MS).map(({ available }) => available));
  return {
    depletesAt,
    burnPerDay: windowMs === 0n ? ZERO : (burned * BigInt(DAY_MS)) / windowMs,
    expiringIn7Days: expiringWithin(7),
    expiringIn30Days: expiringWithin(30),
    expiring,
  };
}

function ceilDivide(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
