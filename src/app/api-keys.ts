import { createHash, randomBytes } from 'node:crypto';
import { CreditbookError, notFound } from '../domain/errors.ts';
import type { ApiKeyRecord, EnvironmentMode, EnvironmentRecord } from '../store/records.ts';
import type { AppDependencies } from './dependencies.ts';

/**
 * API keys: `cb_test_…` or `cb_live_…` followed by 32 random base62 characters.
 * Only a SHA-256 hash is stored; the key is shown once, when created. (A fast
 * hash is right here: the key is 190 random bits, so there is nothing to brute-force.)
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let text = '';
  for (let index = 0; text.length < length && index < bytes.length; index += 1) {
    const byte = bytes[index]!;
    if (byte < 248) text += BASE62[byte % 62]; // 248 = 4 × 62: no modulo bias
  }
  return text.length === length ? text : randomBase62(length);
}

/**
 * The environment of this mode (the oldest, if there are several), created if
 * missing. The default environment of a mode has a fixed ID, so nodes starting
 * at once on an empty database insert it once: the others hit the primary key.
 */
export async function ensureEnvironment(dependencies: AppDependencies, mode: EnvironmentMode): Promise<EnvironmentRecord> {
  const find = () => dependencies.store.read(async (repository) => (await repository.accounts.listEnvironments()).find((candidate) => candidate.mode === mode));
  const existing = await find();
  if (existing) return existing;
  await dependencies.store.transaction((repository) =>
    repository.accounts.insertEnvironment({ id: `env_default_${mode}`, mode, name: mode, frozenClockAt: null, createdAt: dependencies.clock.now() }),
  );
  const environment = await find();
  if (!environment) throw new Error(`No ${mode} environment after creating one.`);
  return environment;
}

export async function createApiKey(dependencies: AppDependencies, mode: EnvironmentMode): Promise<{ key: string; record: ApiKeyRecord }> {
  const environment = await ensureEnvironment(dependencies, mode);
  const key = `cb_${mode}_${randomBase62(32)}`;
  const record: ApiKeyRecord = {
    id: dependencies.newId('key'),
    environmentId: environment.id,
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 12),
    createdAt: dependencies.clock.now(),
    revokedAt: null,
  };
  await dependencies.store.transaction((repository) => repository.accounts.insertApiKey(record));
  return { key, record };
}

export async function listApiKeys(dependencies: AppDependencies): Promise<Array<ApiKeyRecord & { mode: EnvironmentMode }>> {
  return dependencies.store.read(async (repository) => {
    const environments = new Map((await repository.accounts.listEnvironments()).map((environment) => [environment.id, environment]));
    return (await repository.accounts.listApiKeys()).map((key) => ({ ...key, mode: environments.get(key.environmentId)?.mode ?? 'test' }));
  });
}

export async function revokeApiKey(dependencies: AppDependencies, id: string): Promise<void> {
  const revoked = await dependencies.store.transaction((repository) => repository.accounts.revokeApiKey(id, dependencies.clock.now()));
  if (!revoked) throw notFound('active API key', id);
}

/** True when the database has no environment yet (first start). */
export async function isEmptyDatabase(dependencies: AppDependencies): Promise<boolean> {
  return dependencies.store.read(async (repository) => (await repository.accounts.listEnvironments()).length === 0);
}

/**
 * Resolves a presented key to its environment. Key lookups are cached briefly
 * (KEY_CACHE_MS): a revoked key stops working within that time on every node.
 * A test environment itself is read on every request, so a test-clock advance
 * made through any node, port or dialect is seen at once.
 */
export class ApiKeyAuthenticator {
  static readonly KEY_CACHE_MS = 2000;
  private readonly cache = new Map<string, { environment: EnvironmentRecord; until: number }>();

  constructor(private readonly dependencies: AppDependencies) {}

  async authenticate(presentedKey: string | undefined): Promise<EnvironmentRecord> {
    if (!presentedKey) throw new CreditbookError('unauthenticated', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
    const keyHash = hashApiKey(presentedKey);
    const now = this.dependencies.clock.now();
    const cached = this.cache.get(keyHash);
    if (cached && cached.until > now) {
      if (cached.environment.mode === 'live') return cached.environment;
      // A test environment's clock may have moved on any node or port: read it fresh (one primary-key read).
      const fresh = await this.dependencies.store.read((repository) => repository.accounts.getEnvironment(cached.environment.id));
      if (fresh) return fresh;
    }
    const environment = await this.dependencies.store.read(async (repository) => {
      const key = await repository.accounts.findApiKeyByHash(keyHash);
      if (!key || key.revokedAt !== null) return undefined;
      return repository.accounts.getEnvironment(key.environmentId);
    });
    if (!environment) throw new CreditbookError('unauthenticated', 'Invalid or revoked API key.');
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(keyHash, { environment, until: now + ApiKeyAuthenticator.KEY_CACHE_MS });
    return environment;
  }


}
