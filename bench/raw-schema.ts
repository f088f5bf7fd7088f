/**
 * The raw baselines' own schema, frozen here on purpose: the tables the raw
 * debit writes (as creditbook's migrations 1–9 left them: the same columns,
 * types and primary keys), with only the indexes the raw queries need (the
 * wallet address and the live grants). It never follows the project's
 * migrations, so changing creditbook's schema cannot move the baseline.
 */
export const RAW_SQLITE_SCHEMA = `
CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
  name TEXT NOT NULL,
  frozen_clock_at INTEGER,
  created_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE TABLE units (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  code TEXT NOT NULL,
  scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 10),
  name TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (environment_id, code)
);
CREATE TABLE customers (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  id TEXT NOT NULL,
  external_id TEXT,
  name TEXT,
  email TEXT,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (environment_id, id)
);
CREATE TABLE wallets (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  overdraft_limit TEXT NOT NULL,
  overdraft TEXT NOT NULL,
  balance TEXT NOT NULL,
  held TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  grant_count INTEGER NOT NULL,
  advanced_to INTEGER NOT NULL,
  next_event_at INTEGER,
  created_at INTEGER NOT NULL,
  period TEXT,
  period_anchor INTEGER,
  period_start INTEGER,
  period_usage TEXT NOT NULL DEFAULT '0',
  has_schedules INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (environment_id, customer_id) REFERENCES customers (environment_id, id)
);
CREATE UNIQUE INDEX wallets_address ON wallets (environment_id, customer_id, unit, wallet_key);
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount TEXT NOT NULL,
  available TEXT NOT NULL,
  held TEXT NOT NULL,
  consumed TEXT NOT NULL,
  expired TEXT NOT NULL,
  voided TEXT NOT NULL,
  category TEXT NOT NULL,
  priority INTEGER NOT NULL,
  effective_at INTEGER NOT NULL,
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  activated_at INTEGER,
  expired_at INTEGER,
  voided_at INTEGER,
  payment_pending INTEGER NOT NULL,
  applies_to TEXT NOT NULL,
  name TEXT,
  metadata TEXT NOT NULL,
  cost_amount TEXT,
  cost_currency TEXT,
  live INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT 'manual',
  schedule_id TEXT,
  recurrence_period TEXT,
  reset_max_rollover TEXT,
  reset_min_rollover TEXT,
  rolled_over TEXT NOT NULL DEFAULT '0',
  last_reset_at INTEGER,
  paid_at INTEGER
) WITHOUT ROWID;
CREATE INDEX grants_live ON grants (wallet_id, live) WHERE live = 1;
CREATE TABLE ledger_entries (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  type TEXT NOT NULL,
  grant_id TEXT,
  debit_id TEXT,
  hold_id TEXT,
  amount TEXT NOT NULL,
  held_amount TEXT NOT NULL,
  balance_after TEXT NOT NULL,
  held_after TEXT NOT NULL,
  effective_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE debits (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount TEXT NOT NULL,
  consumed TEXT NOT NULL,
  overdrawn TEXT NOT NULL,
  shortfall TEXT NOT NULL,
  feature TEXT,
  policy TEXT NOT NULL,
  hold_id TEXT,
  allocations TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
