import pg from 'pg';
import { typeParsers } from './type-parsers.ts';

const DEFAULT_POOL_SIZE = 10;

export interface ConnectionPoolOptions {
  /** Connections in the pool (default: the URL's `pool_size` parameter, else 10). */
  poolSize?: number | undefined;
  /** How long to wait for a connection, in ms (default 30 s; 0 waits forever). */
  connectionTimeoutMillis?: number | undefined;
  /** Called before every query message sent to the server (one round trip each), for tests and the bench. */
  onRoundTrip?: (() => void) | undefined;
}

/**
 * The store's pg pool. `connectionString` is a libpq-style URL. It may carry
 * `pool_size=<n>` (Creditbook's own parameter, removed before pg sees the URL),
 * so a deployment can size the pool from `--db` / DATABASE_URL alone.
 */
export function createConnectionPool(connectionString: string, options: ConnectionPoolOptions): pg.Pool {
  const url = takePoolSize(connectionString);
  const poolSize = options.poolSize ?? url.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`Invalid PostgreSQL pool size: ${poolSize}`);
  const pool = new pg.Pool({
    connectionString: url.connectionString,
    max: poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 30_000,
    types: typeParsers,
    application_name: 'creditbook',
  });
  // An idle connection that dies (server restart, network) must not crash the
  // process; the pool drops it and the next checkout opens a new one.
  pool.on('error', () => {});
  const onRoundTrip = options.onRoundTrip;
  if (onRoundTrip) pool.on('connect', (client) => countQueries(client, onRoundTrip));
  return pool;
}

function takePoolSize(connectionString: string): { connectionString: string; poolSize: number | undefined } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { connectionString, poolSize: undefined };
  }
  const value = url.searchParams.get('pool_size');
  if (value === null) return { connectionString, poolSize: undefined };
  url.searchParams.delete('pool_size');
  return { connectionString: url.toString(), poolSize: Number(value) };
}

/** Calls `count` before each query the client sends. */
function countQueries(client: pg.PoolClient, count: () => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    count();
    return query(...args);
  };
}
