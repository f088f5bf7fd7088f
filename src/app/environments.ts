import { CreditbookError, notFound } from '../domain/errors.ts';
import type { ApiKeyRecord, EnvironmentRecord } from '../store/records.ts';
import { changeAccess } from './access-changes.ts';
import { newKeyRecord } from './api-keys.ts';
import { recordAudit } from './audit-log.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { checkOperatorName } from './operator-names.ts';

/**
 * Extra test environments: fresh sandboxes, each with its own test clock frozen
 * at the moment it was made, and deletable. The default environment of a mode
 * (`env_default_…`) is never deleted: it is where `serve` and `keys create` put keys.
 * `context` is the API caller (audited; only a test key may call); the CLI passes none.
 */
export function isDefaultEnvironment(environment: Pick<EnvironmentRecord, 'id'>): boolean {
  return environment.id.startsWith('env_default_');
}

function assertTestCaller(context: RequestContext | undefined): void {
  if (context && context.environment.mode !== 'test') throw new CreditbookError('forbidden', 'Test environments are managed with a test key only.');
}

/** A new test environment and its first key (full access), the key shown this once. */
export async function createTestEnvironment(
  dependencies: AppDependencies,
  options: { name?: string | null | undefined; context?: RequestContext | undefined } = {},
): Promise<{ environment: EnvironmentRecord; key: string; keyRecord: ApiKeyRecord }> {
  assertTestCaller(options.context);
  // Here, not only in the API's schema: the CLI makes environments too.
  checkOperatorName(options.name, 'name');
  const now = dependencies.clock.now();
  const environment: EnvironmentRecord = { id: dependencies.newId('env'), mode: 'test', name: options.name ?? 'test', frozenClockAt: now, createdAt: now, deletedAt: null };
  const { key, record } = newKeyRecord(dependencies, environment, { name: 'first key' });
  await dependencies.store.transaction(async (repository) => {
    await repository.accounts.insertEnvironment(environment);
    await repository.accounts.insertApiKey(record);
    if (options.context) await recordAudit(dependencies, repository, options.context, environment.id);
  });
  return { environment, key, keyRecord: record };
}

/**
 * An environment named as an operator names it on the command line: `live` or
 * `test` (that mode's default environment) or an environment's ID. A deleted
 * one is as unknown as a made-up one.
 */
export async function findEnvironment(dependencies: AppDependencies, name: string): Promise<EnvironmentRecord> {
  const environments = (await dependencies.store.read((repository) => repository.accounts.listEnvironments())).filter((environment) => !environment.deletedAt);
  const found =
    name === 'live' || name === 'test'
      ? (environments.find((environment) => environment.id === `env_default_${name}`) ?? environments.find((environment) => environment.mode === name))
      : environments.find((environment) => environment.id === name);
  if (!found) throw notFound('environment', name, 'env');
  return found;
}

/** The test environments not deleted, oldest first (the default one included). */
export async function listTestEnvironments(dependencies: AppDependencies, context?: RequestContext): Promise<EnvironmentRecord[]> {
  assertTestCaller(context);
  const environments = await dependencies.store.read((repository) => repository.accounts.listEnvironments());
  return environments.filter((environment) => environment.mode === 'test' && !environment.deletedAt);
}

/** Deletes a test environment: its keys answer 401 from then on and nothing of it is shown again. */
export async function deleteTestEnvironment(dependencies: AppDependencies, id: string, context?: RequestContext): Promise<EnvironmentRecord> {
  assertTestCaller(context);
  return changeAccess(dependencies, async (repository) => {
    const environment = await repository.accounts.getEnvironment(id);
    if (!environment || environment.mode !== 'test' || environment.deletedAt) throw notFound('test environment', id, 'id');
    if (isDefaultEnvironment(environment)) {
      throw new CreditbookError('state_conflict', `The default test environment ${id} cannot be deleted; delete only environments made with POST /v1/test-environments.`, { param: 'id' });
    }
    const deletedAt = dependencies.clock.now();
    await repository.accounts.markEnvironmentDeleted(id, deletedAt);
    if (context) await recordAudit(dependencies, repository, context, id);
    return Object.assign({}, environment, { deletedAt });
  });
}
