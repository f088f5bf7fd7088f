const MAX_REMEMBERED_STATEMENTS = 256;

/** A column an UPDATE may write: its name, and the record's value in it. */
export interface UpdatableColumn<Record> {
  name: string;
  /** The value as the record holds it: a primitive, compared with `===` (bigint amounts by value). */
  value: (record: Record) => unknown;
  /** How that value is stored (an amount as its decimal text); without it, as it is. */
  stored?: (value: never) => unknown;
}

/**
 * The UPDATE of one table's row by `id` that writes only the columns whose value
 * differs from the row as it was read (all of them when that is not known). A
 * column left out of `SET` leaves its indexes untouched, which on SQLite keeps
 * their pages out of the WAL. Values are compared as the record holds them and
 * converted for storage only when written: an unchanged amount is never formatted.
 * The statement's text is made once per set of changed columns, so the executor's
 * statement cache sees the same string every time.
 */
export class ChangedColumnsUpdate<Record> {
  /** Statement text by bit mask of the columns it sets; at most MAX_REMEMBERED_STATEMENTS (a few are ever used). */
  private readonly statements = new Map<number, string>();

  constructor(
    private readonly table: string,
    readonly columns: ReadonlyArray<UpdatableColumn<Record>>,
  ) {
    // One bit per column in a small integer.
    if (columns.length > 30) throw new Error(`${table}: at most 30 updatable columns, not ${columns.length}.`);
  }

  get names(): string[] {
    return this.columns.map((column) => column.name);
  }

  /** Every column's stored value, in `columns` order (for an INSERT of the same columns). */
  storedValues(record: Record): unknown[] {
    return this.columns.map((column) => storedValue(column, column.value(record)));
  }

  /** The statement and its parameters (the row's `id` last), or undefined when nothing changed. */
  changes(record: Record, id: string, previous?: Record): { sql: string; params: unknown[] } | undefined {
    const params: unknown[] = [];
    let mask = 0;
    for (let index = 0; index < this.columns.length; index += 1) {
      const column = this.columns[index]!;
      const value = column.value(record);
      if (previous !== undefined && value === column.value(previous)) continue;
      mask |= 1 << index;
      params.push(storedValue(column, value));
    }
    if (mask === 0) return undefined;
    params.push(id);
    return { sql: this.statement(mask), params };
  }

  private statement(mask: number): string {
    let sql = this.statements.get(mask);
    if (sql === undefined) {
      const set = this.columns.filter((_, index) => (mask & (1 << index)) !== 0).map((column) => `${column.name} = ?`);
      sql = `UPDATE ${this.table} SET ${set.join(', ')} WHERE id = ?`;
      if (this.statements.size < MAX_REMEMBERED_STATEMENTS) this.statements.set(mask, sql);
    }
    return sql;
  }
}

function storedValue<Record>(column: UpdatableColumn<Record>, value: unknown): unknown {
  return column.stored ? (column.stored as (value: unknown) => unknown)(value) : value;
}
