import Database from 'better-sqlite3';

type StatementMethod = (this: Database.Statement, ...parameters: unknown[]) => unknown;

/**
 * Time spent inside better-sqlite3 statement calls (`run`, `get`, `all`; BEGIN and COMMIT among them) while
 * `measure` runs: every Statement of the process shares one prototype, which this wraps for the duration. The
 * wrapper's own clock reads add well under a microsecond per statement. What it shows: the part of a debit's time
 * that JavaScript cannot remove, however lean it is.
 */
export async function timeInsideSqlite<T>(measure: () => Promise<T>): Promise<{ value: T; nanoseconds: number }> {
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, StatementMethod>;
  probe.close();
  const originals = new Map<string, StatementMethod>();
  let nanoseconds = 0;
  for (const name of ['run', 'get', 'all']) {
    const original = prototype[name]!;
    originals.set(name, original);
    prototype[name] = function timed(this: Database.Statement, ...parameters: unknown[]) {
      const startedAt = process.hrtime.bigint();
      try {
        return original.apply(this, parameters);
      } finally {
        nanoseconds += Number(process.hrtime.bigint() - startedAt);
      }
    };
  }
  try {
    const value = await measure();
    return { value, nanoseconds };
  } finally {
    for (const [name, original] of originals) prototype[name] = original;
  }
}
