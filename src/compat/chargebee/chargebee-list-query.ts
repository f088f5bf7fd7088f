import { parameterError } from './chargebee-errors.ts';
import { secondsToInstant } from './chargebee-params.ts';

export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 100;

export type SortOrder = 'asc' | 'desc';

/** Which operators each filter field accepts, and which fields `sort_by[asc|desc]` may name. */
export interface ListSpec {
  filters: Record<string, readonly string[]>;
  sortable: readonly string[];
}

/** A timestamp filter as bounds in epoch milliseconds (inclusive `from`, exclusive `until`). */
export interface TimeRange {
  from?: number;
  until?: number;
}

/**
 * The query of a Chargebee list call, as the client encodes it:
 * `subscription_id[is]=..`, `type[in]=["allocation","capture"]`,
 * `created_at[between]=[1700000000,1700003600]`, `sort_by[desc]=created_at`,
 * `limit`, and `offset` (the previous page's `next_offset`). An unknown
 * parameter or operator is an error that names it.
 */
export class ChargebeeListQuery {
  private readonly filters = new Map<string, Map<string, string>>();
  private readonly sortBy: { field: string; order: SortOrder } | undefined;
  private readonly plain = new Map<string, string>();

  constructor(query: unknown, spec: ListSpec) {
    let sortBy: { field: string; order: SortOrder } | undefined;
    for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      if (typeof value !== 'string') throw parameterError(key, `'${key}' was given more than once.`);
      if (key === 'limit' || key === 'offset') {
        this.plain.set(key, value);
        continue;
      }
      const match = /^([a-z_]+)\[([a-z_]+)\]$/.exec(key);
      if (!match) throw parameterError(key, `Unknown parameter '${key}'.`);
      const [, field = '', operator = ''] = match;
      if (field === 'sort_by') {
        if (operator !== 'asc' && operator !== 'desc') throw parameterError(key, `'${key}' must be sort_by[asc] or sort_by[desc].`);
        if (!spec.sortable.includes(value)) {
          throw parameterError(key, `Sorting by '${value}' is not supported; sort by ${spec.sortable.join(' or ')}.`);
        }
        if (sortBy) throw parameterError(key, 'Give one sort_by.');
        sortBy = { field: value, order: operator };
        continue;
      }
      const operators = spec.filters[field];
      if (!operators) throw parameterError(key, `Unknown filter '${field}'.`);
      if (!operators.includes(operator)) {
        throw parameterError(key, `The filter ${field}[${operator}] is not supported; use ${operators.map((name) => `${field}[${name}]`).join(', ')}.`);
      }
      const byOperator = this.filters.get(field) ?? new Map<string, string>();
      byOperator.set(operator, value);
      this.filters.set(field, byOperator);
    }
    this.sortBy = sortBy;
  }

  /** 1 to 100, default 10; larger values are capped at 100, as Chargebee does. */
  limit(): number {
    const text = this.plain.get('limit');
    if (text === undefined) return DEFAULT_LIST_LIMIT;
    if (!/^\d{1,6}$/.test(text) || Number(text) < 1) throw parameterError('limit', "'limit' must be a whole number from 1 to 100.");
    return Math.min(Number(text), MAX_LIST_LIMIT);
  }

  offset(): string | undefined {
    const offset = this.plain.get('offset');
    if (offset !== undefined && (offset.length === 0 || offset.length > 1000)) throw parameterError('offset', "'offset' must be a next_offset from a previous page.");
    return offset;
  }

  sort(defaultField: string): { field: string; order: SortOrder } {
    return this.sortBy ?? { field: defaultField, order: 'desc' };
  }

  is(field: string, options: { required: true }): string;
  is(field: string, options?: { required?: false }): string | undefined;
  is(field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.filters.get(field)?.get('is');
    if (value === undefined && options.required) throw parameterError(`${field}[is]`, `'${field}[is]' is required.`);
    if (value !== undefined && (value.length === 0 || value.length > 100)) throw parameterError(`${field}[is]`, `'${field}[is]' must have 1 to 100 characters.`);
    return value;
  }

  /** `field[is]` or `field[in]` as one set of accepted values (undefined: no filter); with `allowed`, each must be one of them. */
  oneOf(field: string, allowed?: readonly string[]): Set<string> | undefined {
    const byOperator = this.filters.get(field);
    if (!byOperator) return undefined;
    const values: string[] = [];
    const single = byOperator.get('is');
    if (single !== undefined) values.push(single);
    const list = byOperator.get('in');
    if (list !== undefined) values.push(...parseJsonArray(list, `${field}[in]`).map((item) => String(item)));
    for (const value of values) {
      if (allowed && !allowed.includes(value)) throw parameterError(`${field}`, `'${value}' is not a valid ${field}; use one of ${allowed.join(', ')}.`);
    }
    return new Set(values);
  }

  /**
   * `after` and `before` are strict; `on` is the one second named; `between` is
   * inclusive of both ends. Several operators on one field all apply.
   */
  timeRange(field: string): TimeRange | undefined {
    const byOperator = this.filters.get(field);
    if (!byOperator) return undefined;
    const range: TimeRange = {};
    const narrow = (from: number | undefined, until: number | undefined) => {
      if (from !== undefined) range.from = Math.max(range.from ?? from, from);
      if (until !== undefined) range.until = Math.min(range.until ?? until, until);
    };
    for (const [operator, text] of byOperator) {
      const param = `${field}[${operator}]`;
      if (operator === 'between') {
        const bounds = parseJsonArray(text, param);
        if (bounds.length !== 2) throw parameterError(param, `'${param}' must be [from,to] in unix seconds.`);
        const [from, to] = bounds.map((bound) => secondsToInstant(bound, param)) as [number, number];
        narrow(from, to + 1000);
        continue;
      }
      const at = secondsToInstant(text, param);
      if (operator === 'after') narrow(at + 1000, undefined);
      else if (operator === 'before') narrow(undefined, at);
      else narrow(at, at + 1000);
    }
    return range;
  }
}

export function inTimeRange(instant: number, range: TimeRange | undefined): boolean {
  if (!range) return true;
  return (range.from === undefined || instant >= range.from) && (range.until === undefined || instant < range.until);
}

function parseJsonArray(text: string, param: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw parameterError(param, `'${param}' must be a JSON array, such as ["a","b"].`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw parameterError(param, `'${param}' must be a non-empty JSON array.`);
  return parsed;
}
