import type { PaymentMethodRecord } from '../payment-records.ts';
import type { Page, PageRequest } from '../records.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { fetchPage } from './pagination.ts';
import { readOptionalText, readTime, type Row } from './row-mapping.ts';

export class PaymentMethodQueries {
  constructor(private readonly executor: SqlExecutor) {}

  async insert(method: PaymentMethodRecord): Promise<void> {
    await this.executor.run(
      `INSERT INTO payment_methods (id, environment_id, customer_id, provider, reference, provider_customer, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [method.id, method.environmentId, method.customerId, method.provider, method.reference, method.providerCustomer, method.description, method.createdAt],
    );
  }

  async get(environmentId: string, id: string): Promise<PaymentMethodRecord | undefined> {
    const row = await this.executor.get<Row>('SELECT * FROM payment_methods WHERE environment_id = ? AND id = ?', [environmentId, id]);
    return row && mapPaymentMethod(row);
  }

  list(environmentId: string, filters: { customerId?: string }, page: PageRequest): Promise<Page<PaymentMethodRecord>> {
    const where = filters.customerId === undefined ? [] : ['customer_id = ?'];
    const params = filters.customerId === undefined ? [] : [filters.customerId];
    return fetchPage({ executor: this.executor, table: 'payment_methods', environmentId, where, params, page, map: mapPaymentMethod });
  }
}

function mapPaymentMethod(row: Row): PaymentMethodRecord {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    customerId: String(row.customer_id),
    provider: String(row.provider),
    reference: String(row.reference),
    providerCustomer: readOptionalText(row.provider_customer),
    description: String(row.description),
    createdAt: readTime(row.created_at),
  };
}
