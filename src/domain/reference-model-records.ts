import type { ErrorCode } from './errors.ts';
import type { GrantCategory } from './types.ts';
import type { CalendarPeriod } from './reference-calendar.ts';

/* The records of the reference model (reference-model.ts) and what the property tests compare of them. For tests only. */

export type Outcome = 'ok' | ErrorCode;

export class ModelError extends Error {
  constructor(readonly code: ErrorCode) {
    super(code);
  }
}

export interface ModelGrant {
  id: string;
  ordinal: number;
  amount: bigint;
  available: bigint;
  held: bigint;
  consumed: bigint;
  expired: bigint;
  voided: bigint;
  category: GrantCategory;
  priority: number;
  effectiveAt: number;
  startsAt: number;
  expiresAt: number | null;
  appliesTo: string[];
  /** Bought and not paid yet: it starts only once paid. */
  awaitsPayment: boolean;
  started: boolean;
  isVoided: boolean;
  isExpired: boolean;
  cap: bigint | null;
  floor: bigint | null;
  scheduleId: string | null;
  lastResetAt: number | null;
  rolledOver: bigint;
}

export interface ModelSchedule {
  id: string;
  amount: bigint;
  category: GrantCategory;
  priority: number;
  appliesTo: string[];
  cap: bigint | null;
  floor: bigint | null;
  period: CalendarPeriod;
  anchor: number;
  issued: number;
  endsAt: number | null;
  cancelledAt: number | null;
}

export interface ModelHold {
  id: string;
  amount: bigint;
  expiresAt: number;
  active: boolean;
  parts: { grantId: string; amount: bigint }[];
}

export interface GrantView {
  amount: bigint;
  available: bigint;
  held: bigint;
  consumed: bigint;
  expired: bigint;
  voided: bigint;
  rolledOver: bigint;
}

/** Each grant's figures by ID, sorted by ID: what a balance view compares, from the model or from the engine. */
export function grantViews(grants: ReadonlyArray<{ id: string } & GrantView>): Array<[string, GrantView]> {
  return grants
    .map((grant): [string, GrantView] => [
      grant.id,
      {
        amount: grant.amount,
        available: grant.available,
        held: grant.held,
        consumed: grant.consumed,
        expired: grant.expired,
        voided: grant.voided,
        rolledOver: grant.rolledOver,
      },
    ])
    .sort(([a], [b]) => a.localeCompare(b));
}

export interface Observation {
  available: bigint;
  held: bigint;
  scheduled: bigint;
  overdraft: bigint;
  period: { start: number; end: number; usage: bigint } | null;
  grants: [string, GrantView][];
}

export interface NewModelGrant {
  id: string;
  amount: bigint;
  category: GrantCategory;
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  appliesTo: string[];
  cap: bigint | null;
  floor: bigint | null;
  awaitsPayment?: boolean;
}

