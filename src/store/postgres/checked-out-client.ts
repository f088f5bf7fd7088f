import type pg from 'pg';

/**
 * Runs `use` on a client checked out of `pool`, then releases it, or destroys it
 * when `use` called `markBroken` (a connection in an unknown state is never
 * reused). pg-pool listens for errors only on idle clients: a checked-out client
 * whose connection drops emits 'error', which would crash the process with no
 * listener, so one that ignores it is attached meanwhile; the failure itself
 * reaches `use` through the query it breaks.
 */
export async function withCheckedOutClient<T>(pool: pg.Pool, use: (client: pg.PoolClient, markBroken: (error: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const onConnectionError = () => {};
  client.on('error', onConnectionError);
  let broken: Error | undefined;
  try {
    return await use(client, (error) => (broken = error));
  } finally {
    client.removeListener('error', onConnectionError);
    client.release(broken);
  }
}

/** ROLLBACK; a connection on which it fails is marked broken. Returns whether it rolled back. */
export async function rollback(client: pg.PoolClient, markBroken: (error: Error) => void): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch (error) {
    markBroken(error instanceof Error ? error : new Error(String(error)));
    return false;
  }
}
