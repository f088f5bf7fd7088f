import type { PoolClient, QueryConfig } from 'pg';
import type { SqlExecutor } from '../sql-executor.ts';

/** A repository SQL string as PostgreSQL runs it. */
export interface PreparedSql {
  /** Name of the server-side prepared statement; undefined once the cache is full (then it is parsed each time). */
  name: string | undefined;
  text: string;
  parameterCount: number;
}

/**
 * Beyond this many distinct SQL strings, new ones run unnamed. The repository
 * builds a bounded set of strings, so this only guards against a future query
 * that interpolates values, which would otherwise leak prepared statements on
 * every pooled connection.
 */
const MAX_NAMED_STATEMENTS = 1000;

/**
 * Rewrites `?` placeholders to `$1..$n`. Quoted strings ('…') and quoted identifiers ("…") are copied
 * verbatim, so a `?` inside them is left alone.
 */
export function rewritePlaceholders(sql: string): { text: string; parameterCount: number } {
  let text = '';
  let parameterCount = 0;
  let quote: "'" | '"' | null = null;
  for (const character of sql) {
    if (quote !== null) {
      // A doubled quote ('' or "") closes and reopens at once, which this handles for free.
      if (character === quote) quote = null;
      text += character;
    } else if (character === "'" || character === '"') {
      quote = character;
      text += character;
    } else if (character === '?') {
      parameterCount += 1;
      text += `$${parameterCount}`;
    } else {
      text += character;
    }
  }
  return { text, parameterCount };
}

/**
 * Rewritten SQL and prepared-statement names, shared by every connection of one
 * store. pg remembers per connection which names it has parsed, so each
 * statement is parsed once per connection and then only bound and executed.
 */
export class StatementCache {
  private readonly statements = new Map<string, PreparedSql>();
  private named = 0;

  constructor(private readonly namePrefix = 'creditbook_') {}

  query(sql: string, params: readonly unknown[]): QueryConfig {
    const prepared = this.statement(sql, params.length);
    const values = params.map((value) => (value === undefined ? null : value));
    return prepared.name === undefined ? { text: prepared.text, values } : { name: prepared.name, text: prepared.text, values };
  }

  /** The rewritten SQL and its name; throws unless it has `parameterCount` placeholders. */
  statement(sql: string, parameterCount: number): PreparedSql {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const rewritten = rewritePlaceholders(sql);
      const name = this.named < MAX_NAMED_STATEMENTS ? `${this.namePrefix}${(this.named += 1)}` : undefined;
      prepared = { name, ...rewritten };
      this.statements.set(sql, prepared);
    }
    if (parameterCount !== prepared.parameterCount) {
      throw new Error(`SQL has ${prepared.parameterCount} placeholders but ${parameterCount} parameters were given: ${sql}`);
    }
    return prepared;
  }
}

/**
 * The SqlExecutor over one checked-out connection, valid for one transaction.
 * Using it after its transaction ended is a programming error and throws, so a
 * stray query can never run on a connection that went back to the pool.
 */
export class PostgresExecutor implements SqlExecutor {
  private open = true;

  constructor(
    private readonly client: PoolClient,
    private readonly statements: StatementCache,
  ) {}

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.execute(sql, params)).rows as Row[];
  }

  async get<Row>(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.execute(sql, params)).rows[0] as Row | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.execute(sql, params)).rowCount ?? 0;
  }

  /** Called when the transaction ends. */
  close(): void {
    this.open = false;
  }

  private execute(sql: string, params: readonly unknown[]) {
    if (!this.open) return Promise.reject(new Error('This repository was used after its transaction ended.'));
    return this.client.query(this.statements.query(sql, params));
  }
}
