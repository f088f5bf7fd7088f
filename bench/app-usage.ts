import { createCustomer, createUnit } from '../src/app/accounts.ts';
import { ensureEnvironment } from '../src/app/api-keys.ts';
import type { AppDependencies, RequestContext } from '../src/app/dependencies.ts';
import { createGrant } from '../src/app/grants.ts';
import { createFeature, createPrice } from '../src/app/pricing.ts';
import { recordUsageEvents } from '../src/app/usage-events.ts';
import { composeDependencies } from '../src/cli/composition-root.ts';
import { usageEventView } from '../src/http/usage-presenters.ts';
import type { Store } from '../src/store/port.ts';
import { plannedUsage, USAGE_CUSTOMERS, USAGE_FEATURE, USAGE_GRANTS, USAGE_PRICES, USAGE_UNIT, USAGE_UNIT_SCALE } from './usage-workload.ts';

/**
 * Creditbook's side of the usage-ingest figure: `recordUsageEvents` (what
 * `POST /v1/usage-events/batch` runs, with the API's presenter) on a store, over
 * the shared usage workload.
 */
export class AppUsage {
  private constructor(
    private readonly store: Store,
    private readonly dependencies: AppDependencies,
    private readonly context: RequestContext,
    private readonly customerIds: string[],
  ) {}

  static async open(store: Store): Promise<AppUsage> {
    await store.migrate();
    const dependencies = composeDependencies(store);
    const environment = await ensureEnvironment(dependencies, 'test');
    const context: RequestContext = { environment, requestId: 'bench' };
    await createUnit(dependencies, context, { code: USAGE_UNIT, scale: USAGE_UNIT_SCALE });
    await createFeature(dependencies, context, { key: USAGE_FEATURE, dimensions: ['model', 'direction'], quantityScale: 0 });
    const customerIds: string[] = [];
    for (let customer = 0; customer < USAGE_CUSTOMERS; customer += 1) {
      const outcome = await createCustomer(dependencies, { context, input: {}, present: (created) => ({ status: 201, body: created.id }) });
      customerIds.push(outcome.body as string);
    }
    await Promise.all(
      customerIds.map(async (customerId) => {
        for (const grant of USAGE_GRANTS) {
          await createGrant(dependencies, { context, input: { customerId, unit: USAGE_UNIT, ...grant }, present: () => ({ status: 201, body: null }) });
        }
      }),
    );
    for (const price of USAGE_PRICES) {
      const { customer, ...fields } = price;
      await createPrice(dependencies, {
        context,
        input: { feature: USAGE_FEATURE, unit: USAGE_UNIT, ...fields, customerId: customer === null ? null : customerIds[customer]! },
        present: () => ({ status: 201, body: null }),
      });
    }
    return new AppUsage(store, dependencies, context, customerIds);
  }

  /** Events `first … first + count - 1` of the workload as one batch (IDs `<run>-<index>`). */
  async batch(first: number, count: number, run: string): Promise<void> {
    const items = Array.from({ length: count }, (_, offset) => {
      const planned = plannedUsage(first + offset);
      return { id: `${run}-${first + offset}`, customerId: this.customerIds[planned.customer]!, feature: USAGE_FEATURE, quantity: planned.quantity, dimensions: planned.dimensions };
    });
    const results = await recordUsageEvents(this.dependencies, {
      context: this.context,
      items,
      present: (event, price, booked) => ({ status: 201, body: usageEventView(event, price, booked) }),
    });
    const failed = results.find((result) => 'error' in result);
    if (failed && 'error' in failed) throw failed.error;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
