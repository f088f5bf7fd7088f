import pg from 'pg';

/**
 * The one PostgreSQL maintenance database every test that needs PostgreSQL
 * creates and drops its databases from: $CREDITBOOK_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres (trust auth, as in CI; `.ci/run`
 * starts it). Nothing is skipped when it is unreachable: the error says so.
 */
export const POSTGRES_ADMIN_URL = process.env.CREDITBOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `use` with a connection to the maintenance database. */
export async function withAdminClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is not reachable at ${redact(POSTGRES_ADMIN_URL)} (${reason || 'connection failed'}). ` +
        'Tests that use PostgreSQL do not skip it: start PostgreSQL ' +
        '(e.g. `pg_ctlcluster --skip-systemctl-redirect <version> main start`) or point CREDITBOOK_TEST_POSTGRES_URL ' +
        'at a server where this user may CREATE DATABASE.',
      { cause: error },
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL of database `name` on the same server. */
export function postgresDatabaseUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
