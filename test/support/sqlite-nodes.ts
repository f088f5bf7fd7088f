import { afterEach } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * Stores on the group's SQLite file that stand for separate processes (each its
 * own writer connection), each recording the statements it runs. Call it inside
 * the group: they are closed after each test, before the group's own cleanup
 * removes the file (each store's checkpointer still works on it).
 */
export function sqliteNodes(location: () => string): () => Promise<{ store: SqliteStore; statements: string[] }> {
  const stores: SqliteStore[] = [];
  afterEach(() => Promise.all(stores.splice(0).map((store) => store.close())));
  return async () => {
    const statements: string[] = [];
    const store = new SqliteStore(location(), { onStatement: (sql) => statements.push(sql) });
    stores.push(store);
    await store.migrate();
    return { store, statements };
  };
}
