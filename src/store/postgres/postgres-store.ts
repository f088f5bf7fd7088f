import type { Store } from '../port.ts';

/** Placeholder until the PostgreSQL adapter lands; keeps `--db postgres://` failing clearly. */
export class PostgresStore implements Store {
  constructor(_url: string) {
    throw new Error('The PostgreSQL store is not available yet.');
  }
  capabilities = { dialect: 'postgres' as const, rowLocks: true, skipLocked: true };
  migrate(): Promise<number[]> { throw new Error('unreachable'); }
  transaction<T>(): Promise<T> { throw new Error('unreachable'); }
  read<T>(): Promise<T> { throw new Error('unreachable'); }
  close(): Promise<void> { throw new Error('unreachable'); }
}
