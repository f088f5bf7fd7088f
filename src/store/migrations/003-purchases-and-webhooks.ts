/**
 * Paid top-ups and webhooks: purchases and their invoices, saved payment methods,
 * per-wallet balance alerts and auto top-up, webhook endpoints with their
 * deliveries and attempt log, and the outbox's fan-out marker on events.
 *
 * - Money is integer minor units of its currency (BIGINT); credits are `{{amount}}`.
 * - Purchase, invoice and auto top-up statuses move only by guarded updates
 *   (`… WHERE status = 'open'`), so each transition happens once.
 * - `events.fanned_out` marks an outbox row whose deliveries exist. It is set in the
 *   same transaction that inserts the deliveries, so an event is fanned out exactly
 *   once whatever order transactions commit in. Events written before this
 *   migration have no endpoint to go to and are marked done.
 * - Background work claims rows with a lease (`claimed_until`, `next_attempt_at`)
 *   taken under `FOR UPDATE SKIP LOCKED` where the store has it, and never holds a
 *   transaction open across a network call.
 */
export const purchasesAndWebhooksSchema = `
CREATE TABLE purchases (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'expired', 'canceled', 'failed')),
  source TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  price_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  provider TEXT NOT NULL,
  session_id TEXT,
  session_url TEXT,
  payment_expires_at {{time}} NOT NULL,
  payment_reference TEXT,
  success_url TEXT,
  cancel_url TEXT,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL,
  paid_at {{time}},
  closed_at {{time}},
  claimed_until {{time}},
  late_payment_reference TEXT,
  late_payment_at {{time}}
);
CREATE UNIQUE INDEX purchases_session ON purchases (provider, session_id);
CREATE INDEX purchases_open_expiry ON purchases (payment_expires_at) WHERE status = 'open';
CREATE INDEX purchases_environment ON purchases (environment_id, id);
CREATE INDEX purchases_customer ON purchases (environment_id, customer_id, id);

CREATE TABLE invoices (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  purchase_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'void')),
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  lines {{json}} NOT NULL,
  created_at {{time}} NOT NULL,
  paid_at {{time}},
  voided_at {{time}}
);
CREATE INDEX invoices_environment ON invoices (environment_id, id);
CREATE INDEX invoices_customer ON invoices (environment_id, customer_id, id);

CREATE TABLE payment_methods (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  reference TEXT NOT NULL,
  provider_customer TEXT,
  description TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  FOREIGN KEY (environment_id, customer_id) REFERENCES customers (environment_id, id)
);
CREATE INDEX payment_methods_environment ON payment_methods (environment_id, id);

CREATE TABLE wallet_settings (
  wallet_id TEXT PRIMARY KEY REFERENCES wallets (id),
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  low_balance_threshold {{amount}},
  auto_top_up {{json}},
  top_up_in_flight TEXT,
  declines INTEGER NOT NULL,
  paused_until {{time}},
  updated_at {{time}} NOT NULL
){{without_rowid}};

CREATE TABLE auto_top_ups (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  status TEXT NOT NULL CHECK (status IN ('requested', 'processing', 'succeeded', 'declined', 'skipped')),
  amount {{amount}} NOT NULL,
  price_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  payment_method_id TEXT NOT NULL,
  purchase_id TEXT,
  reason TEXT,
  balance_at_trigger {{amount}} NOT NULL,
  attempts INTEGER NOT NULL,
  claimed_until {{time}},
  created_at {{time}} NOT NULL,
  completed_at {{time}}
);
CREATE INDEX auto_top_ups_due ON auto_top_ups (id) WHERE status IN ('requested', 'processing');
CREATE INDEX auto_top_ups_wallet ON auto_top_ups (wallet_id, id);
CREATE INDEX auto_top_ups_environment ON auto_top_ups (environment_id, id);

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types {{json}} NOT NULL,
  secret TEXT NOT NULL,
  description TEXT,
  created_at {{time}} NOT NULL,
  deleted_at {{time}}
);
CREATE INDEX webhook_endpoints_environment ON webhook_endpoints (environment_id, id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'canceled')),
  attempts INTEGER NOT NULL,
  next_attempt_at {{time}},
  last_attempt_at {{time}},
  last_status_code INTEGER,
  last_error TEXT,
  created_at {{time}} NOT NULL,
  delivered_at {{time}}
);
CREATE UNIQUE INDEX webhook_deliveries_endpoint_event ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_environment ON webhook_deliveries (environment_id, id);

CREATE TABLE webhook_attempts (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
  attempt INTEGER NOT NULL,
  triggered_by TEXT NOT NULL,
  started_at {{time}} NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_body TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

ALTER TABLE events ADD COLUMN fanned_out INTEGER NOT NULL DEFAULT 0;
UPDATE events SET fanned_out = 1;
CREATE INDEX events_to_fan_out ON events (id) WHERE fanned_out = 0;
`;
