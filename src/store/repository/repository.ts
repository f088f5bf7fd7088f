import type { SqlExecutor, StoreCapabilities } from '../sql-executor.ts';
import { AccountQueries } from './account-queries.ts';
import { AutoTopUpQueries } from './auto-top-up-queries.ts';
import { EventQueries, OutboxQueries } from './event-queries.ts';
import { AuditQueries } from './audit-queries.ts';
import { CallerOperationIdQueries } from './caller-operation-id-queries.ts';
import { CreditNoteQueries } from './credit-note-queries.ts';
import { GrantQueries } from './grant-queries.ts';
import { HoldQueries } from './hold-queries.ts';
import { DebitQueries } from './debit-queries.ts';
import { IdempotencyQueries } from './idempotency-queries.ts';
import { LedgerQueries } from './ledger-queries.ts';
import { PaymentMethodQueries } from './payment-method-queries.ts';
import { PortalSessionQueries } from './portal-session-queries.ts';
import { InvoiceQueries, PurchaseQueries } from './purchase-queries.ts';
import { ScheduleQueries } from './schedule-queries.ts';
import { FeatureQueries, PriceQueries, UsageEventQueries } from './usage-queries.ts';
import { WalletQueries } from './wallet-queries.ts';
import { WalletSettingsQueries } from './wallet-settings-queries.ts';
import { WebhookDeliveryQueries } from './webhook-delivery-queries.ts';
import { WebhookEndpointQueries } from './webhook-endpoint-queries.ts';

/**
 * Every query the app runs, written once for both dialects over a SqlExecutor.
 * A Repository is bound to one transaction (or one read snapshot).
 */
export class Repository {
  readonly accounts: AccountQueries;
  readonly wallets: WalletQueries;
  readonly grants: GrantQueries;
  readonly schedules: ScheduleQueries;
  readonly holds: HoldQueries;
  readonly debits: DebitQueries;
  readonly ledger: LedgerQueries;
  readonly idempotency: IdempotencyQueries;
  readonly callerOperationIds: CallerOperationIdQueries;
  readonly events: EventQueries;
  readonly purchases: PurchaseQueries;
  readonly invoices: InvoiceQueries;
  readonly paymentMethods: PaymentMethodQueries;
  readonly walletSettings: WalletSettingsQueries;
  readonly autoTopUps: AutoTopUpQueries;
  readonly webhookEndpoints: WebhookEndpointQueries;
  readonly webhookDeliveries: WebhookDeliveryQueries;
  readonly outbox: OutboxQueries;
  readonly portalSessions: PortalSessionQueries;
  readonly features: FeatureQueries;
  readonly prices: PriceQueries;
  readonly usageEvents: UsageEventQueries;
  readonly audit: AuditQueries;
  readonly creditNotes: CreditNoteQueries;

  constructor(
    executor: SqlExecutor,
    readonly capabilities: StoreCapabilities,
  ) {
    this.accounts = new AccountQueries(executor);
    this.wallets = new WalletQueries(executor, capabilities);
    this.grants = new GrantQueries(executor, capabilities);
    this.schedules = new ScheduleQueries(executor);
    this.holds = new HoldQueries(executor);
    this.debits = new DebitQueries(executor, capabilities);
    this.ledger = new LedgerQueries(executor, capabilities);
    this.idempotency = new IdempotencyQueries(executor);
    this.callerOperationIds = new CallerOperationIdQueries(executor);
    this.events = new EventQueries(executor, capabilities);
    this.purchases = new PurchaseQueries(executor, capabilities);
    this.invoices = new InvoiceQueries(executor);
    this.paymentMethods = new PaymentMethodQueries(executor);
    this.walletSettings = new WalletSettingsQueries(executor);
    this.autoTopUps = new AutoTopUpQueries(executor, capabilities);
    this.webhookEndpoints = new WebhookEndpointQueries(executor);
    this.webhookDeliveries = new WebhookDeliveryQueries(executor, capabilities);
    this.outbox = new OutboxQueries(executor, capabilities);
    this.portalSessions = new PortalSessionQueries(executor);
    this.features = new FeatureQueries(executor, capabilities);
    this.prices = new PriceQueries(executor);
    this.usageEvents = new UsageEventQueries(executor, capabilities);
    this.audit = new AuditQueries(executor, capabilities);
    this.creditNotes = new CreditNoteQueries(executor, capabilities);
  }
}
