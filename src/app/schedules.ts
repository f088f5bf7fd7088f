import { notFound } from '../domain/errors.ts';
import type { Page, PageRequest, ScheduleRecord } from '../store/records.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { idempotencyIn, type IdempotencyRequest, type Outcome, type Presented } from './idempotency.ts';
import { runWalletOperation } from './wallet-operation.ts';

/** Recurring grant schedules: created with a grant's `recurrencePeriod`, listed, and cancelled here. */
export async function getSchedule(dependencies: AppDependencies, context: RequestContext, id: string): Promise<ScheduleRecord> {
  const schedule = await dependencies.store.read((repository) => repository.schedules.get(context.environment.id, id));
  if (!schedule) throw notFound('grant schedule', id, 'id');
  return schedule;
}

export function listSchedules(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string; unit?: string },
  page: PageRequest,
): Promise<Page<ScheduleRecord>> {
  return dependencies.store.read((repository) => repository.schedules.list(context.environment.id, filters, page));
}

/** Stops future issues (grants already issued stay); cancelling twice returns the same schedule. */
export async function cancelSchedule(
  dependencies: AppDependencies,
  request: { context: RequestContext; scheduleId: string; idempotency?: IdempotencyRequest | undefined; present: (schedule: ScheduleRecord) => Presented },
): Promise<Outcome> {
  const existing = await getSchedule(dependencies, request.context, request.scheduleId);
  return runWalletOperation(dependencies, {
    context: request.context,
    address: existing,
    ifMissing: () => notFound('grant schedule', request.scheduleId, 'id'),
    ...idempotencyIn('environment', request.idempotency),
    compute: (engine) => engine.cancelSchedule(request.scheduleId),
    present: (state) => request.present({ ...existing, ...state }),
  });
}
