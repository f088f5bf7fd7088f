import { after } from 'node:test';
import pg from 'pg';

/**
 * `connect()` for plain pg clients on a `forStore('postgres', …)` group's
 * database, each ended when the group ends (which drops the database).
 */
export function postgresClients(target: { location(): string }): () => Promise<pg.Client> {
  const clients: pg.Client[] = [];
  after(() => Promise.all(clients.map((client) => client.end().catch(() => {}))));
  return async () => {
    const client = new pg.Client({ connectionString: target.location() });
    clients.push(client);
    // The group drops its database (ending connections) when it ends.
    client.on('error', () => {});
    await client.connect();
    return client;
  };
}
