import { createCustomer, createUnit } from '../src/app/accounts.ts';
import { ensureEnvironment } from '../src/app/api-keys.ts';
import { createDebit } from '../src/app/debits.ts';
import { createDependencies, type AppDependencies, type RequestContext } from '../src/app/dependencies.ts';
import { createGrant } from '../src/app/grants.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { expiresAt, GRANTS_PER_WALLET, plannedDebit, UNIT_CODE, UNIT_SCALE, WALLET_COUNT } from './workload.ts';

/**
 * Creditbook in-process: the app layer (createDebit) on a SqliteStore over a
 * temp file, which runs WAL with synchronous=FULL and group commit exactly as
 * the server does. Wallets and grants follow the shared workload.
 */
export class AppLedger {
  private constructor(
    private readonly store: SqliteStore,
    private readonly dependencies: AppDependencies,
    private readonly context: RequestContext,
    private readonly customerIds: string[],
  ) {}

  static async open(path: string): Promise<AppLedger> {
    const store = new SqliteStore(path);
    await store.migrate();
    const dependencies = createDependencies(store);
    const environment = await ensureEnvironment(dependencies, 'test');
    const context: RequestContext = { environment, requestId: 'bench' };
    await createUnit(dependencies, context, { code: UNIT_CODE, scale: UNIT_SCALE });
    const customerIds: string[] = [];
    for (let wallet = 0; wallet < WALLET_COUNT; wallet += 1) {
      const outcome = await createCustomer(dependencies, { context, input: {}, present: (customer) => ({ status: 201, body: customer.id }) });
      customerIds.push(outcome.body as string);
    }
    const now = Date.now();
    // Grants of one wallet in plan order (ordinals follow it); wallets concurrently, so they group-commit.
    await Promise.all(
      customerIds.map(async (customerId) => {
        for (const plan of GRANTS_PER_WALLET) {
          await createGrant(dependencies, {
            context,
            input: { customerId, unit: UNIT_CODE, amount: plan.amount, category: plan.category, priority: plan.priority, expiresAt: expiresAt(plan, now) },
            present: () => ({ status: 201, body: null }),
          });
        }
      }),
    );
    return new AppLedger(store, dependencies, context, customerIds);
  }

  /** Debit number `index` of the shared workload through createDebit. */
  debit(index: number): Promise<unknown> {
    const planned = plannedDebit(index);
    return createDebit(this.dependencies, {
      context: this.context,
      input: { customerId: this.customerIds[planned.wallet]!, unit: UNIT_CODE, amount: planned.amount },
      present: (debit) => ({ status: 201, body: { id: debit.id } }),
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
