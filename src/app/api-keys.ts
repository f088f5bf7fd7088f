import crypto, { createHash, randomBytes } from 'node:crypto';
import { CreditbookError, notFound } from '../domain/errors.ts';
import type { ApiKeyRecord, EnvironmentMode, EnvironmentRecord, Page, PageRequest } from '../store/records.ts';
import { changeAccess } from './access-changes.ts';
import { recordAudit } from './audit-log.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { checkOperatorName, MAX_OPERATOR_NAME_LENGTH } from './operator-names.ts';
import { holdsScope, type Scope } from './scopes.ts';

/**
 * API keys: `cb_test_…` or `cb_live_…` followed by 32 random base62 characters.
 * Only a SHA-256 hash is stored; the key is shown once, when created. (A fast
 * hash is right here: the key is 190 random bits, so there is nothing to brute-force.)
 * Node's one-shot `crypto.hash` (20.12 and later) where there is one: it runs on
 * every request and costs half of a Hash object.
 */
export const hashApiKey: (key: string) => string =
  typeof crypto.hash === 'function' ? (key) => crypto.hash('sha256', key, 'hex') : (key) => createHash('sha256').update(key).digest('hex');

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
  const find = () => dependencies.store.read(async (repository) => (await repository.accounts.listEnvironments()).find((candidate) => candidate.mode === mode && !candidate.deletedAt));
  const existing = await find();
  if (existing) return existing;
  await dependencies.store.transaction((repository) =>
    repository.accounts.insertEnvironment({ id: `env_default_${mode}`, mode, name: mode, frozenClockAt: null, createdAt: dependencies.clock.now() }),
  );
  const environment = await find();
  if (!environment) throw new Error(`No ${mode} environment after creating one.`);
  return environment;
}

/** The longest name a key may have, in characters: POST /v1/api-keys (its schema, security-schemas.ts) and the CLI alike. */
export const MAX_KEY_NAME_LENGTH = MAX_OPERATOR_NAME_LENGTH;

export interface NewKeyOptions {
  name?: string | null | undefined;
  /** Default: `["all"]`, a full-access key. */
  scopes?: readonly Scope[] | undefined;
}

export function newKeyRecord(dependencies: AppDependencies, environment: EnvironmentRecord, options: NewKeyOptions): { key: string; record: ApiKeyRecord } {
  checkOperatorName(options.name, 'name');
  const key = `cb_${environment.mode}_${randomBase62(32)}`;
  const record: ApiKeyRecord = {
    id: dependencies.newId('key'),
    environmentId: environment.id,
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 12),
    name: options.name ?? null,
    scopes: [...(options.scopes ?? ['all'])],
    createdAt: dependencies.clock.now(),
    revokedAt: null,
    lastUsedAt: null,
  };
  return { key, record };
}

/** The CLI's key creation: in the default environment of `mode`, made if missing. */
export async function createApiKey(dependencies: AppDependencies, mode: EnvironmentMode, options: NewKeyOptions = {}): Promise<{ key: string; record: ApiKeyRecord }> {
  const environment = await ensureEnvironment(dependencies, mode);
  const created = newKeyRecord(dependencies, environment, options);
  await dependencies.store.transaction((repository) => repository.accounts.insertApiKey(created.record));
  return created;
}

/**
 * The API's key creation: in the caller's environment, with scopes the caller
 * itself holds (a key cannot mint a stronger one). Not idempotent on purpose:
 * a stored replay would keep the secret key.
 */
export async function createEnvironmentKey(dependencies: AppDependencies, context: RequestContext, options: NewKeyOptions): Promise<{ key: string; record: ApiKeyRecord }> {
  const held = context.actor?.scopes ?? [];
  for (const scope of options.scopes ?? ['all']) {
    if (!holdsScope(held, scope)) throw new CreditbookError('forbidden', `A key can only grant scopes it holds itself; this key lacks '${scope}'.`, { param: 'scopes' });
  }
  const created = newKeyRecord(dependencies, context.environment, options);
  await dependencies.store.transaction(async (repository) => {
    await repository.accounts.insertApiKey(created.record);
    await recordAudit(dependencies, repository, context, created.record.id);
  });
  return created;
}

/** Every key of every environment, for the CLI. */
export async function listApiKeys(dependencies: AppDependencies): Promise<Array<ApiKeyRecord & { mode: EnvironmentMode }>> {
  return dependencies.store.read(async (repository) => {
    const environments = new Map((await repository.accounts.listEnvironments()).map((environment) => [environment.id, environment]));
    return (await repository.accounts.listApiKeys()).map((key) => Object.assign({}, key, { mode: environments.get(key.environmentId)?.mode ?? 'test' }));
  });
}

export function listEnvironmentKeys(dependencies: AppDependencies, context: RequestContext, page: PageRequest): Promise<Page<ApiKeyRecord>> {
  return dependencies.store.read((repository) => repository.accounts.listApiKeysOf(context.environment.id, page));
}

export async function revokeApiKey(dependencies: AppDependencies, id: string): Promise<void> {
  const revoked = await changeAccess(dependencies, (repository) => repository.accounts.revokeApiKey(id, dependencies.clock.now()));
  if (!revoked) throw notFound('active API key', id);
}

/** Revokes a key of the caller's environment (another environment's key is not found). */
export async function revokeEnvironmentKey(dependencies: AppDependencies, context: RequestContext, id: string): Promise<ApiKeyRecord> {
  return changeAccess(dependencies, async (repository) => {
    const revoked = await repository.accounts.revokeApiKey(id, dependencies.clock.now(), context.environment.id);
    const key = await repository.accounts.getApiKey(id);
    if (!revoked || !key || key.environmentId !== context.environment.id) throw notFound('active API key', id, 'id');
    await recordAudit(dependencies, repository, context, id);
    return key;
  });
}

/** True when the database has no environment yet (first start). */
export async function isEmptyDatabase(dependencies: AppDependencies): Promise<boolean> {
  return dependencies.store.read(async (repository) => (await repository.accounts.listEnvironments()).length === 0);
}

/** A key that authenticated: its environment, its ID and what it may do. */
export interface AuthenticatedKey {
  environment: EnvironmentRecord;
  apiKeyId: string;
  scopes: readonly string[];
  /** What `store.externalChanges()` answered for this authentication (undefined where the store cannot tell). */
  externalChanges?: number | undefined;
}

interface CachedKey {
  key: AuthenticatedKey;
  until: number;
  accessVersion: number;
  externalVersion: number | undefined;
}

/**
 * Resolves a presented key to its environment, remembering what it found.
 *
 * - While the store can tell when another process writes (SQLite:
 *   `externalChanges()`), a remembered key is used with no read at all until
 *   this process changes a key or an environment (`accessChanges`), another
 *   process commits anything, or KEY_CACHE_MS pass. A revoked key, a deleted
 *   environment and a moved test clock are therefore seen by the next request.
 * - Otherwise (PostgreSQL, several nodes) a key is remembered for KEY_CACHE_MS:
 *   a key revoked on another node stops working within that time. A test
 *   environment itself is read on every request, so a test-clock advance made
 *   through any node is seen at once, and so is its deletion.
 *
 * `last_used_at` is written at most once a minute per key
 * (LAST_USED_RESOLUTION_MS), never on the remembered path.
 *
 * Remembered keys are keyed by the key as presented, so a remembered key costs
 * no SHA-256: in a running server that digest took about 7 µs of a balance
 * read's CPU (OpenSSL's code is cold between requests). Only keys that
 * authenticated are kept, in memory only, and never more than 10,000.
 */
export class ApiKeyAuthenticator {
  static readonly KEY_CACHE_MS = 2000;
  static readonly LAST_USED_RESOLUTION_MS = 60_000;
  private readonly cache = new Map<string, CachedKey>();
  private externalVersion: number | undefined;

  constructor(private readonly dependencies: AppDependencies) {}

  async authenticate(presentedKey: string | undefined): Promise<AuthenticatedKey> {
    return this.resolve(presentedKey);
  }

  /**
   * What `authenticate` resolves with, answered at once when the remembered key is the
   * whole answer (no read needed), else as a promise; a missing key throws.
   */
  resolve(presentedKey: string | undefined): AuthenticatedKey | Promise<AuthenticatedKey> {
    if (!presentedKey) throw new CreditbookError('unauthenticated', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
    const now = this.dependencies.clock.now();
    const accessVersion = this.dependencies.accessChanges.version;
    const externalVersion = this.dependencies.store.externalChanges();
    if (externalVersion !== this.externalVersion) {
      // Another process committed: anything remembered may be stale.
      this.cache.clear();
      this.externalVersion = externalVersion;
    }
    const entry = this.cache.get(presentedKey);
    const cached = entry !== undefined && entry.until > now && entry.accessVersion === accessVersion && entry.externalVersion === externalVersion ? entry : undefined;
    // Its `externalChanges` is this request's: the entry is used only while that has not moved.
    if (cached && (externalVersion !== undefined || cached.key.environment.mode === 'live')) return cached.key;
    return this.read(presentedKey, cached, { now, accessVersion, externalVersion });
  }

  private async read(presentedKey: string, cached: CachedKey | undefined, seen: { now: number; accessVersion: number; externalVersion: number | undefined }): Promise<AuthenticatedKey> {
    const { now, accessVersion, externalVersion } = seen;
    if (cached) {
      // No word from other nodes: a test environment's clock may have moved on any of them. Read it fresh (one primary-key read).
      const fresh = await this.dependencies.store.read((repository) => repository.accounts.getEnvironment(cached.key.environment.id));
      if (fresh && !fresh.deletedAt) return { ...cached.key, environment: fresh };
      this.cache.delete(presentedKey);
    }
    const keyHash = hashApiKey(presentedKey);
    const found = await this.dependencies.store.read(async (repository) => {
      const key = await repository.accounts.findApiKeyByHash(keyHash);
      if (!key || key.revokedAt !== null) return undefined;
      const environment = await repository.accounts.getEnvironment(key.environmentId);
      // A deleted test environment's keys stop working with it.
      return environment && !environment.deletedAt ? { key, environment } : undefined;
    });
    if (!found) throw new CreditbookError('unauthenticated', 'Invalid or revoked API key.');
    if (found.key.lastUsedAt === null || found.key.lastUsedAt <= now - ApiKeyAuthenticator.LAST_USED_RESOLUTION_MS) {
      await this.dependencies.store.transaction((repository) => repository.accounts.touchApiKey(found.key.id, now));
    }
    const authenticated: AuthenticatedKey = { environment: found.environment, apiKeyId: found.key.id, scopes: found.key.scopes, externalChanges: externalVersion };
    if (this.cache.size > 10_000) this.cache.clear();
    // Stamped with the versions seen before the read: a change that lands meanwhile (in this process or, through
    // externalChanges, in another one, even while this request waited on its touch) keeps the entry from being used.
    this.cache.set(presentedKey, { key: authenticated, until: now + ApiKeyAuthenticator.KEY_CACHE_MS, accessVersion, externalVersion });
    return authenticated;
  }
}
