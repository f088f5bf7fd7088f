import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * A connection to a test database from outside its stores, as an operator, a
 * database tool or a previous version would have one: to set a database up as an
 * earlier migration left it, to read what is stored, or to ask the planner.
 * One statement per call, with `?` placeholders on both dialects (on PostgreSQL
 * every `?` becomes `$n`, so none may stand inside a string literal).
 */
export interface RawDatabase {
  /** The rows a statement returns (none for one that returns none). */
  all<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export async function openRawDatabase(target: { dialect: string; location(): string }): Promise<RawDatabase> {
  if (target.dialect === 'sqlite') {
    const database = new Database(target.location());
    database.pragma('busy_timeout = 10000');
    return {
      all: async <Row>(sql: string, params: readonly unknown[] = []) => {
        const statement = database.prepare(sql);
        if (statement.reader) return statement.all(...params) as Row[];
        statement.run(...params);
        return [];
      },
      close: async () => {
        database.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: target.location() });
  await client.connect();
  return {
    all: async <Row>(sql: string, params: readonly unknown[] = []) => {
      let index = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++index}`), [...params])).rows as Row[];
    },
    close: () => client.end(),
  };
}
