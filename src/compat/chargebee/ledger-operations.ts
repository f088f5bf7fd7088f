import { sumAmounts, ZERO, type Amount } from '../../domain/amount.ts';
import type { Instant, LedgerEntryType } from '../../domain/types.ts';
import { releaseOperationId } from '../../app/caller-operation-ids.ts';

/**
 * Chargebee's ledger operations, read off Creditbook's ledger. Creditbook books
 * one entry per grant touched; a Chargebee operation is the run of consecutive
 * entries (in one wallet's sequence) that one action booked:
 *
 *   allocation             a grant's activation (+ the overdraft it repaid)   id: the grant's id
 *   capture                a debit (+ what went into overdraft)               id: the debit's id
 *   authorize              a hold                                             id: the hold's id
 *   capture_authorization  a hold's capture (+ the release of the rest)       id: the capture's debit id
 *   release_authorization  a hold released, or expired (auto-release)        id: rel_<hold id>
 *   expiry / void          what a grant forfeited                             id: exp_|void_<sequence>_<grant id>
 *   adjustment             a top-up booked by the engine                      id: adj_<sequence>_<grant id>
 *
 * Nothing here is stored: operations are a view of the ledger, so the native
 * API, this dialect and every other dialect see the same history. Only a
 * caller's chosen id for an operation is stored (app/caller-operation-ids.ts);
 * it replaces the id below wherever the operation is shown.
 */
export type OperationType =
  | 'allocation'
  | 'capture'
  | 'authorize'
  | 'release_authorization'
  | 'capture_authorization'
  | 'expiry'
  | 'void'
  | 'rollover'
  | 'adjustment';

export const OPERATION_TYPES: readonly OperationType[] = [
  'allocation',
  'capture',
  'authorize',
  'release_authorization',
  'capture_authorization',
  'expiry',
  'void',
  'rollover',
  'adjustment',
];

export interface OperationEntry {
  walletId: string;
  unit: string;
  walletKey: string;
  sequence: number;
  type: LedgerEntryType;
  grantId: string | null;
  debitId: string | null;
  holdId: string | null;
  /** Signed change to available credit (the grant's, or the overdraft bucket's when grantId is null). */
  amount: Amount;
  heldAmount: Amount;
  balanceAfter: Amount;
  effectiveAt: Instant;
  createdAt: Instant;
  /** Set for entries read from the store; booked drafts have none yet. */
  id?: string;
}

export interface LedgerOperationFacts {
  id: string;
  type: OperationType;
  walletId: string;
  unit: string;
  walletKey: string;
  /** In sequence order. */
  entries: OperationEntry[];
  amount: Amount;
  parentId: string | null;
  /** The Creditbook object behind the operation (for its metadata), if any. */
  source: { kind: 'grant' | 'debit' | 'hold'; id: string } | null;
  /** Usable provisioned credit (granted, not held, consumed, expired or voided) before and after. */
  provisionedStart: Amount;
  provisionedEnd: Amount;
  /** Overdraft drawn (owed) before and after. */
  overdraftStart: Amount;
  overdraftEnd: Amount;
  effectiveAt: Instant;
  createdAt: Instant;
}

/** Whether `later` (the next entry of the same wallet) was booked by the same action as `earlier`. */
export function continuesOperation(later: OperationEntry, earlier: OperationEntry): boolean {
  if (later.walletId !== earlier.walletId || later.sequence !== earlier.sequence + 1) return false;
  const key = operationKey(later);
  if (key !== null && key === operationKey(earlier)) return true;
  // The overdraft side of a repayment follows the grant's side.
  if (later.type === 'repayment' && later.grantId === null && earlier.type === 'repayment') return true;
  // A partial capture releases the rest of its hold in the same action.
  return later.type === 'release' && later.debitId === null && later.holdId !== null && earlier.type === 'capture' && earlier.holdId === later.holdId;
}

function operationKey(entry: OperationEntry): string | null {
  switch (entry.type) {
    case 'grant':
      return `grant:${entry.grantId}`;
    case 'repayment':
      return entry.grantId === null ? null : `grant:${entry.grantId}`;
    case 'debit':
    case 'overdraft':
    case 'capture':
      return `debit:${entry.debitId}`;
    case 'hold':
      return `hold:${entry.holdId}`;
    case 'release':
      return `release:${entry.holdId}`;
    default:
      return null;
  }
}

/** Operation ids that are not a Creditbook object's id: a release is named after its hold (the app records caller ids against it). */
export { releaseOperationId };

export type ParsedOperationId =
  | { kind: 'release'; holdId: string }
  | { kind: 'entry'; type: 'expiry' | 'void' | 'adjustment'; sequence: number; ownerId: string }
  | { kind: 'object'; id: string };

const ENTRY_PREFIXES = { exp: 'expiry', void: 'void', adj: 'adjustment' } as const;

export function parseOperationId(id: string): ParsedOperationId {
  if (id.startsWith('rel_') && id.length > 4) return { kind: 'release', holdId: id.slice(4) };
  const match = /^(exp|void|adj)_(\d{1,15})_(.+)$/.exec(id);
  if (match) {
    const [, prefix = 'exp', sequence = '0', ownerId = ''] = match;
    return { kind: 'entry', type: ENTRY_PREFIXES[prefix as keyof typeof ENTRY_PREFIXES], sequence: Number(sequence), ownerId };
  }
  return { kind: 'object', id };
}

/** Identity and amount of the operation formed by `entries` (in sequence order). */
function describe(entries: OperationEntry[]): Pick<LedgerOperationFacts, 'id' | 'type' | 'amount' | 'parentId' | 'source'> {
  const first = entries[0]!;
  const sum = (types: LedgerEntryType[], pick: (entry: OperationEntry) => Amount) =>
    sumAmounts(entries.filter((entry) => types.includes(entry.type)).map(pick));
  const owner = first.grantId ?? first.walletId;
  switch (first.type) {
    case 'grant':
      return { id: first.grantId!, type: 'allocation', amount: sum(['grant'], (entry) => entry.amount), parentId: null, source: { kind: 'grant', id: first.grantId! } };
    case 'debit':
    case 'overdraft':
      return { id: first.debitId!, type: 'capture', amount: -sum(['debit', 'overdraft'], (entry) => entry.amount), parentId: null, source: { kind: 'debit', id: first.debitId! } };
    case 'capture':
      return {
        id: first.debitId!,
        type: 'capture_authorization',
        amount: -sum(['capture'], (entry) => entry.heldAmount),
        parentId: first.holdId,
        source: { kind: 'debit', id: first.debitId! },
      };
    case 'hold':
      return { id: first.holdId!, type: 'authorize', amount: sum(['hold'], (entry) => entry.heldAmount), parentId: null, source: { kind: 'hold', id: first.holdId! } };
    case 'release':
      return {
        id: releaseOperationId(first.holdId!),
        type: 'release_authorization',
        amount: sum(['release'], (entry) => entry.amount),
        parentId: first.holdId,
        source: { kind: 'hold', id: first.holdId! },
      };
    case 'expiry':
    case 'void': {
      const prefix = first.type === 'expiry' ? 'exp' : 'void';
      const source = first.grantId === null ? null : { kind: 'grant' as const, id: first.grantId };
      return { id: `${prefix}_${first.sequence}_${owner}`, type: first.type, amount: -sumAmounts(entries.map((entry) => entry.amount)), parentId: first.grantId, source };
    }
    default: {
      const total = sumAmounts(entries.map((entry) => entry.amount));
      return { id: `adj_${first.sequence}_${owner}`, type: 'adjustment', amount: total < 0n ? -total : total, parentId: first.grantId, source: null };
    }
  }
}

/**
 * Groups a stream of ledger entries into operations, in either direction, and
 * works out each operation's balances. The overdraft drawn is not on an entry,
 * so it is tracked per wallet: walking forward it starts at zero; walking
 * backward it starts from the wallet's current overdraft. The net balance is
 * on every entry (available − overdraft), so provisioned = net + overdraft.
 */
export class OperationGrouper {
  private pending: OperationEntry[] = [];
  private readonly overdraft: Map<string, Amount>;

  constructor(
    private readonly order: 'asc' | 'desc',
    overdraft: ReadonlyMap<string, Amount>,
  ) {
    this.overdraft = new Map(overdraft);
  }

  /** Adds the next entry of the walk; returns the operation it completed, if any. */
  push(entry: OperationEntry): LedgerOperationFacts | undefined {
    const edge = this.order === 'asc' ? this.pending[this.pending.length - 1] : this.pending[0];
    const joins = edge !== undefined && (this.order === 'asc' ? continuesOperation(entry, edge) : continuesOperation(edge, entry));
    if (joins) {
      if (this.order === 'asc') this.pending.push(entry);
      else this.pending.unshift(entry);
      return undefined;
    }
    const completed = this.complete();
    this.pending = [entry];
    return completed;
  }

  /** Completes the last operation of the walk. */
  finish(): LedgerOperationFacts | undefined {
    const completed = this.complete();
    this.pending = [];
    return completed;
  }

  /** Overdraft drawn per wallet at the current point of the walk (after the last completed operation). */
  overdraftState(): Map<string, Amount> {
    return new Map(this.overdraft);
  }

  private complete(): LedgerOperationFacts | undefined {
    const entries = this.pending;
    if (entries.length === 0) return undefined;
    const first = entries[0]!;
    const last = entries[entries.length - 1]!;
    const overdraftChange = -sumAmounts(entries.filter((entry) => entry.grantId === null).map((entry) => entry.amount));
    const tracked = this.overdraft.get(first.walletId) ?? ZERO;
    const [overdraftStart, overdraftEnd] = this.order === 'asc' ? [tracked, tracked + overdraftChange] : [tracked - overdraftChange, tracked];
    this.overdraft.set(first.walletId, this.order === 'asc' ? overdraftEnd : overdraftStart);
    return Object.assign({}, describe(entries), {
      walletId: first.walletId,
      unit: first.unit,
      walletKey: first.walletKey,
      entries,
      provisionedStart: first.balanceAfter - first.amount + overdraftStart,
      provisionedEnd: last.balanceAfter + overdraftEnd,
      overdraftStart,
      overdraftEnd,
      effectiveAt: first.effectiveAt,
      createdAt: first.createdAt,
    });
  }
}

/** Groups entries of one booking (in sequence order), given the overdraft after the last of them. */
export function operationsOf(entries: readonly OperationEntry[], overdraftAfter: ReadonlyMap<string, Amount>): LedgerOperationFacts[] {
  const grouper = new OperationGrouper('desc', overdraftAfter);
  const operations: LedgerOperationFacts[] = [];
  for (const entry of [...entries].reverse()) {
    const completed = grouper.push(entry);
    if (completed) operations.unshift(completed);
  }
  const last = grouper.finish();
  if (last) operations.unshift(last);
  return operations;
}
