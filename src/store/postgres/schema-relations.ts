import type pg from 'pg';

/** A foreign key: `from (fromColumns) REFERENCES to (toColumns)`, columns in the key's order. */
export interface ForeignKey {
  from: string;
  fromColumns: readonly string[];
  to: string;
  /** Empty means unknown: any column of `to` may be part of the key. */
  toColumns: readonly string[];
}

/**
 * What reordering writes must respect beyond the tables they write: which
 * tables are tied by foreign keys (a row inserted earlier or later may make a
 * check pass or fail) and which tables have triggers (a write there may do
 * anything, and a statement-level trigger fires once per statement). Read from
 * PostgreSQL's catalog (readSchemaRelations), so whatever migration, or hand,
 * added a key or a trigger is seen without anyone keeping a list. `complete` is
 * false when they have not been read; then every pair of tables counts as
 * related.
 */
export interface SchemaRelations {
  foreignKeys: readonly ForeignKey[];
  /** Tables with a trigger, and on which of INSERT, UPDATE, DELETE and TRUNCATE it fires. */
  triggers: ReadonlyMap<string, ReadonlySet<string>>;
  complete: boolean;
}

/** Relations not (yet) read: every pair of tables is related, so no row moves. */
export const UNKNOWN_RELATIONS: SchemaRelations = Object.freeze({ foreignKeys: [], triggers: new Map(), complete: false });

/** pg_trigger.tgtype's event bits (PostgreSQL's TRIGGER_TYPE_INSERT and so on, in catalog/pg_trigger.h). */
const TRIGGER_EVENTS: ReadonlyArray<readonly [number, string]> = [
  [4, 'INSERT'],
  [8, 'DELETE'],
  [16, 'UPDATE'],
  [32, 'TRUNCATE'],
];

/**
 * The columns of a key, in the key's order: `conkey`/`confkey` hold attribute
 * numbers, pg_attribute names them.
 */
const keyColumns = (keys: string, table: string) =>
  `ARRAY(SELECT a.attname::text FROM unnest(c.${keys}) WITH ORDINALITY AS k(attnum, position)
           JOIN pg_attribute a ON a.attrelid = c.${table} AND a.attnum = k.attnum ORDER BY k.position)`;

/**
 * Foreign keys with either end in the current schema (the one unqualified
 * names resolve to first). Table names are lower-cased as statement-shapes.ts
 * lower-cases the names it reads; a key of another schema's table of the same
 * name then counts too, which only keeps more rows in place.
 */
const FOREIGN_KEYS_SQL = `
  SELECT lower(src.relname) AS "from", ${keyColumns('conkey', 'conrelid')} AS "fromColumns",
         lower(dst.relname) AS "to", ${keyColumns('confkey', 'confrelid')} AS "toColumns"
    FROM pg_constraint c
    JOIN pg_class src ON src.oid = c.conrelid
    JOIN pg_class dst ON dst.oid = c.confrelid
   WHERE c.contype = 'f'
     AND (src.relnamespace = current_schema()::regnamespace OR dst.relnamespace = current_schema()::regnamespace)`;

/** User triggers (not the internal ones that check foreign keys) of the current schema's tables, disabled ones too. */
const TRIGGERS_SQL = `
  SELECT lower(r.relname) AS "table", t.tgtype::int AS "type"
    FROM pg_trigger t
    JOIN pg_class r ON r.oid = t.tgrelid
   WHERE NOT t.tgisinternal AND r.relnamespace = current_schema()::regnamespace`;

/** Both in one statement: one round trip, one snapshot of the catalog. */
const RELATIONS_SQL = `
  SELECT current_schema() AS "schema",
         (SELECT coalesce(json_agg(k), '[]') FROM (${FOREIGN_KEYS_SQL}) AS k) AS "foreignKeys",
         (SELECT coalesce(json_agg(t), '[]') FROM (${TRIGGERS_SQL}) AS t) AS "triggers"`;

/**
 * Reads the foreign keys and triggers of the connection's current schema from
 * PostgreSQL's catalog. Without a current schema (a search_path naming none
 * that exists) nothing is known, and the result says so.
 */
export async function readSchemaRelations(client: pg.ClientBase | pg.Pool): Promise<SchemaRelations> {
  const { rows } = await client.query<{ schema: string | null; foreignKeys: ForeignKey[]; triggers: Array<{ table: string; type: number }> }>(RELATIONS_SQL);
  const row = rows[0];
  if (!row || row.schema === null) return UNKNOWN_RELATIONS;
  const triggers = new Map<string, Set<string>>();
  for (const { table, type } of row.triggers) {
    const events = triggers.get(table) ?? new Set<string>();
    for (const [bit, event] of TRIGGER_EVENTS) if ((type & bit) !== 0) events.add(event);
    triggers.set(table, events);
  }
  return { foreignKeys: row.foreignKeys, triggers, complete: true };
}
