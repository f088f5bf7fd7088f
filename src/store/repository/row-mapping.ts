import { amountFromDecimalString, formatAmount, type Amount } from '../../domain/amount.ts';
import type { Allocation } from '../../domain/types.ts';

/** Conversions between domain values and column values, shared by both dialects. */
export type Row = Record<string, unknown>;

export function amountColumn(amount: Amount): string {
  return formatAmount(amount);
}

export function readAmount(value: unknown): Amount {
  return amountFromDecimalString(String(value));
}

export function readOptionalAmount(value: unknown): Amount | null {
  return value === null || value === undefined ? null : readAmount(value);
}

export function readTime(value: unknown): number {
  return Number(value);
}

export function readOptionalTime(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function readOptionalText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function jsonColumn(value: unknown): string {
  return JSON.stringify(value);
}

export function readJson<T>(value: unknown): T {
  return JSON.parse(String(value)) as T;
}

export function allocationsColumn(allocations: readonly Allocation[]): string {
  return JSON.stringify(allocations.map((allocation) => ({ grantId: allocation.grantId, amount: formatAmount(allocation.amount) })));
}

export function readAllocations(value: unknown): Allocation[] {
  return readJson<Array<{ grantId: string; amount: string }>>(value).map((allocation) => ({
    grantId: allocation.grantId,
    amount: amountFromDecimalString(allocation.amount),
  }));
}

/**
 * The `SET` assignments of an UPDATE that writes only the columns whose value
 * differs from `previous` (all of them without it); undefined when none does.
 * A column left out of `SET` leaves its indexes untouched, which on SQLite keeps
 * their pages out of the WAL.
 */
export function changedAssignments(columns: readonly string[], next: readonly unknown[], previous?: readonly unknown[]): { set: string; params: unknown[] } | undefined {
  const assignments: string[] = [];
  const params: unknown[] = [];
  columns.forEach((column, index) => {
    if (previous && previous[index] === next[index]) return;
    assignments.push(`${column} = ?`);
    params.push(next[index]);
  });
  return assignments.length === 0 ? undefined : { set: assignments.join(', '), params };
}

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

export function readMinor(value: unknown): bigint {
  return BigInt(String(value));
}
