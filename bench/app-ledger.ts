import { createCustomer, createUnit } from '../src/app/accounts.ts';
import { ensureEnvironment } from '../src/app/api-keys.ts';
import { createDebit } from '../src/app/debits.ts';
import { type AppDependencies, type RequestContext } from '../src/app/dependencies.ts';
import { composeDependencies } from '../src/cli/composition-root.ts';
import { createGrant } from '../src/app/grants.ts';
import type { Store } from '../src/store/port.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { expiresAt, GRANTS_PER_WALLET, plannedDebit, UNIT_CODE, UNIT_SCALE, WALLET_COUNT } from './workload.ts';

/**
 * Creditbook in-process: the app layer (createDebit) on a SqliteStore over a
 * temp file, which runs WAL with synchronous=FULL and group commit exactly as
 * the server does, or on any other Store (the PostgreSQL bench passes a
 * PostgresStore). Wallets and grants follow the shared workload; with
 * `hotWallet`, one more wallet with the same grants takes every `debitHot`.
 */
export class AppLedger {
  private constructor(
    private readonly store: Store,
    private readonly dependencies: AppDependencies,
    private readonly context: RequestContext,
    private readonly customerIds: string[],
    private readonly hotCustomerId: string | undefined,
  ) {}

  /** A SQLite file path, or a store to use (closed by `close()`). */
  static async open(location: string | Store, options: { hotWallet?: boolean } = {}): Promise<AppLedger> {
    const store = typeof location === 'string' ? new SqliteStore(location) : location;
    await store.migrate();
    const dependencies = composeDependencies(store);
    const environment = await ensureEnvironment(dependencies, 'test');
    const context: RequestContext = { environment, requestId: 'bench' };
    await createUnit(dependencies, context, { code: UNIT_CODE, scale: UNIT_SCALE });
    const customerIds: string[] = [];
    for (let wallet = 0; wallet < WALLET_COUNT + (options.hotWallet ? 1 : 0); wallet += 1) {
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
    const hotCustomerId = options.hotWallet ? customerIds.pop() : undefined;
    return new AppLedger(store, dependencies, context, customerIds, hotCustomerId);
  }

  /** How often a SQLite store's WAL reached its limit and was restarted (0 on PostgreSQL). */
  walRestarts(): number {
    return this.store instanceof SqliteStore ? this.store.walRestarts : 0;
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

  /** Debit number `index`'s amount, always from the one hot wallet. */
  debitHot(index: number): Promise<unknown> {
    if (this.hotCustomerId === undefined) throw new Error('AppLedger was opened without a hot wallet.');
    return createDebit(this.dependencies, {
      context: this.context,
      input: { customerId: this.hotCustomerId, unit: UNIT_CODE, amount: plannedDebit(index).amount },
      present: (debit) => ({ status: 201, body: { id: debit.id } }),
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
