import type Database from 'better-sqlite3';

/** Row counts of every table of a SQLite database: a rejected request must leave them unchanged. */
export function countRows(connection: Database.Database): Record<string, number> {
  const tables = connection
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((table) => [table, connection.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number]));
}
