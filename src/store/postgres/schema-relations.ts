import { migrations, migrationSql } from '../migrations/migrations.ts';

/** A foreign key: `from (fromColumns) REFERENCES to (toColumns)`; `toColumns` empty when the migration named none (the primary key). */
export interface ForeignKey {
  from: string;
  fromColumns: readonly string[];
  to: string;
  toColumns: readonly string[];
}

/**
 * What reordering writes must respect beyond the tables they write: which
 * tables are tied by foreign keys (a row inserted earlier or later may make a
 * check pass or fail) and which tables have triggers (a write there may do
 * anything, and a statement-level trigger fires once per statement). Read from the migrations themselves, so a later migration that
 * adds a key or a trigger is seen without anyone keeping a list. `complete` is
 * false when some REFERENCES could not be placed; then every pair of tables
 * counts as related.
 */
export interface SchemaRelations {
  foreignKeys: readonly ForeignKey[];
  /** Tables with a trigger, and on which of INSERT, UPDATE, DELETE and TRUNCATE it fires (all four when the events could not be read). */
  triggers: ReadonlyMap<string, ReadonlySet<string>>;
  complete: boolean;
}

/** Parses the PostgreSQL SQL of a migration history; see SchemaRelations. */
export function schemaRelations(sqlTexts: readonly string[]): SchemaRelations {
  const foreignKeys: ForeignKey[] = [];
  const triggers = new Map<string, Set<string>>();
  let complete = true;
  for (const sql of sqlTexts) {
    const text = sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, '');
    for (const trigger of text.matchAll(/\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\b([\s\S]*?)\bON\s+(\w+)/gi)) {
      const events = /\b(?:BEFORE|AFTER|INSTEAD\s+OF)\s+((?:INSERT|UPDATE|DELETE|TRUNCATE)(?:\s+OF\s+\w+(?:\s*,\s*\w+)*)?(?:\s+OR\s+(?:INSERT|UPDATE|DELETE|TRUNCATE)(?:\s+OF\s+\w+(?:\s*,\s*\w+)*)?)*)\s*$/i.exec(trigger[1]!);
      const fired = events ? [...events[1]!.toUpperCase().matchAll(/\b(INSERT|UPDATE|DELETE|TRUNCATE)\b/g)].map((event) => event[1]!) : ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
      const table = trigger[2]!.toLowerCase();
      triggers.set(table, new Set([...(triggers.get(table) ?? []), ...fired]));
    }
    // A trigger function's body ($$ … $$) has semicolons of its own; its parts match no table and hold no REFERENCES here.
    for (const statement of text.split(';')) {
      if (!/\bREFERENCES\b/i.test(statement)) continue;
      const table = /^\s*(?:CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?)\s+(\w+)/i.exec(statement)?.[1]?.toLowerCase();
      if (table === undefined) {
        complete = false;
        continue;
      }
      for (const line of statement.split('\n')) {
        if (!/\bREFERENCES\b/i.test(line)) continue;
        const key =
          /^\s*(?:CONSTRAINT\s+\w+\s+)?FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+(\w+)\s*(?:\(([^)]*)\))?/i.exec(line) ??
          /^\s*(?:ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?\w+\s+)?(?:ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?)?(\w+)\s[^,]*?\bREFERENCES\s+(\w+)\s*(?:\(([^)]*)\))?/i.exec(line);
        const fromColumns = key ? columnList(key[1]!) : [];
        // One key per line, and a column named like a keyword would be a misreading: either way, give up on precision.
        if (!key || (line.match(/\bREFERENCES\b/gi)?.length ?? 0) > 1 || fromColumns.some((column) => KEYWORDS.has(column))) {
          complete = false;
          continue;
        }
        foreignKeys.push({ from: table, fromColumns, to: key[2]!.toLowerCase(), toColumns: key[3] === undefined ? [] : columnList(key[3]) });
      }
    }
  }
  return { foreignKeys, triggers, complete };
}

const KEYWORDS = new Set(['constraint', 'foreign', 'references', 'add', 'alter', 'primary', 'unique', 'check']);

function columnList(text: string): string[] {
  return text.split(',').map((column) => column.trim().toLowerCase()).filter((column) => column !== '');
}

let ours: SchemaRelations | undefined;

/** This store's schema, from its migration history (parsed once). */
export function creditbookRelations(): SchemaRelations {
  ours ??= schemaRelations(migrations.map((migration) => migrationSql(migration, 'postgres')));
  return ours;
}
