/**
 * Usage periods on wallets, reset/rollover settings on grants, and recurring
 * grant schedules (issue: recurring grants, usage periods, resets and rollover).
 */
export const periodsAndRecurringGrants = `
ALTER TABLE wallets ADD COLUMN period TEXT;
ALTER TABLE wallets ADD COLUMN period_anchor {{time}};
ALTER TABLE wallets ADD COLUMN period_start {{time}};
ALTER TABLE wallets ADD COLUMN period_usage {{amount}} NOT NULL DEFAULT '0';
ALTER TABLE wallets ADD COLUMN has_schedules INTEGER NOT NULL DEFAULT 0;
-- Dialects address wallets by key alone (a Paygentic entitlement, a Chargebee subscription).
CREATE INDEX wallets_key ON wallets (environment_id, wallet_key);

ALTER TABLE grants ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE grants ADD COLUMN schedule_id TEXT;
ALTER TABLE grants ADD COLUMN recurrence_period TEXT;
ALTER TABLE grants ADD COLUMN reset_max_rollover {{amount}};
ALTER TABLE grants ADD COLUMN reset_min_rollover {{amount}};
ALTER TABLE grants ADD COLUMN rolled_over {{amount}} NOT NULL DEFAULT '0';
ALTER TABLE grants ADD COLUMN last_reset_at {{time}};
CREATE INDEX grants_schedule ON grants (schedule_id);
-- Ledger entries are listed by customer (natively and by the Stripe dialect), not only by environment.
CREATE INDEX ledger_entries_customer ON ledger_entries (environment_id, customer_id, id);

CREATE TABLE grant_schedules (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  category TEXT NOT NULL,
  priority INTEGER NOT NULL,
  applies_to {{json}} NOT NULL,
  reset_max_rollover {{amount}},
  reset_min_rollover {{amount}},
  recurrence_period TEXT NOT NULL,
  anchor {{time}} NOT NULL,
  issued_count INTEGER NOT NULL,
  ends_at {{time}},
  cancelled_at {{time}},
  name TEXT,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL
){{without_rowid}};
CREATE INDEX grant_schedules_wallet ON grant_schedules (wallet_id);
`;
