import { initialSchema } from './001-initial-schema.ts';
import { periodsAndRecurringGrants } from './002-periods-and-recurring-grants.ts';
import { purchasesAndWebhooksSchema } from './003-purchases-and-webhooks.ts';
import { webhookSecretRotation } from './004-webhook-secret-rotation.ts';
import { appendOnlyAuditLog, restrictedKeysAndAuditLogSchema } from './005-restricted-keys-and-audit-log.ts';
import { paymentTimesEnvironmentsOperationIds } from './007-payment-times-environments-operation-ids.ts';
import { portalSessionsAndEventCustomers } from './008-portal-sessions-and-event-customers.ts';
import { ratedUsageSchema } from './009-rated-usage.ts';
import { callerOperationIdsSchema } from './010-caller-operation-ids.ts';
import { unitDetailsSchema } from './011-unit-details.ts';
import { creditNotesSchema } from './012-credit-notes.ts';
import { exportOrders } from './013-export-orders.ts';
import { hotPathDiet } from './014-hot-path-diet.ts';
import { ledgerIndexDiet } from './015-ledger-index-diet.ts';
import { auditLogWithoutRowid } from './016-audit-log-without-rowid.ts';
import { grantEntrySpan } from './017-grant-entry-span.ts';
import { customerLedgerThroughWallets } from './018-customer-ledger-through-wallets.ts';
import { debitEventsThroughDebits } from './019-debit-events-through-debits.ts';
import { debitsThroughWallets } from './020-debits-through-wallets.ts';
import { webhookDeliveriesByEndpoint } from './021-webhook-deliveries-by-endpoint.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Run after `sql`, for what the dialects spell differently (triggers). */
  dialectSql?: Record<Dialect, string>;
}

/** One migration history for both stores. Append only; never edit a released migration. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: initialSchema },
  { version: 2, name: 'usage periods and recurring grants', sql: periodsAndRecurringGrants },
  { version: 3, name: 'purchases and webhooks', sql: purchasesAndWebhooksSchema },
  { version: 4, name: 'webhook secret rotation', sql: webhookSecretRotation },
  { version: 5, name: 'restricted API keys and the audit log', sql: restrictedKeysAndAuditLogSchema, dialectSql: appendOnlyAuditLog },
  { version: 7, name: 'payment times, deleted environments, caller operation ids', sql: paymentTimesEnvironmentsOperationIds },
  { version: 8, name: 'portal sessions and event customers', sql: portalSessionsAndEventCustomers },
  { version: 9, name: 'rated usage', sql: ratedUsageSchema },
  { version: 10, name: 'caller operation ids with fingerprint and first response', sql: callerOperationIdsSchema },
  { version: 11, name: 'custom currency details on units', sql: unitDetailsSchema },
  { version: 12, name: 'credit notes and customer grant index', sql: creditNotesSchema },
  { version: 13, name: 'export orders', sql: exportOrders },
  { version: 14, name: 'hot path diet: wallet settings flag', sql: hotPathDiet },
  { version: 15, name: 'ledger index diet', sql: ledgerIndexDiet },
  { version: 16, name: 'audit log without rowid', sql: '', dialectSql: auditLogWithoutRowid },
  { version: 17, name: 'grant entry spans', sql: grantEntrySpan },
  { version: 18, name: 'customer ledger through wallets', sql: customerLedgerThroughWallets },
  { version: 19, name: 'debit events through debits', sql: debitEventsThroughDebits },
  { version: 20, name: 'debits through wallets', sql: debitsThroughWallets },
  { version: 21, name: 'pending webhook deliveries by endpoint', sql: webhookDeliveriesByEndpoint },
];

const columnTypes: Record<Dialect, Record<string, string>> = {
  sqlite: { amount: 'TEXT', time: 'INTEGER', json: 'TEXT', without_rowid: ' WITHOUT ROWID', event_customer_from_data: "json_extract(data, '$.customerId')" },
  postgres: { amount: 'NUMERIC(38, 10)', time: 'BIGINT', json: 'TEXT', without_rowid: '', event_customer_from_data: "(data::json ->> 'customerId')" },
};

/** The migration's SQL with the dialect's column types filled in. */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  const shared = migration.sql.replace(/\{\{(\w+)\}\}/g, (_, token: string) => {
    const type = columnTypes[dialect][token];
    if (type === undefined) throw new Error(`Unknown column type token {{${token}}} in migration ${migration.version}`);
    return type;
  });
  return migration.dialectSql ? `${shared}\n${migration.dialectSql[dialect]}` : shared;
}
