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

/**
 * What a Creditbook debit writes besides the accounting the raw script does, frozen here as creditbook's schema
 * had it on 2026-12-08 (migrations 1–21): the ledger's two indexes (by wallet and sequence, unique, and by time),
 * the outbox (`events`, its partial indexes, which a debit's event, fanned out at once and without a customer,
 * does not enter) and the audit log (one B-tree and two indexes). Only the minimal route with Creditbook's rows
 * (minimal-route-server.ts, `creditbookRows`) adds it: a baseline of the same writes, beside the minimal route
 * the goal is set against.
 */
export const CREDITBOOK_ROWS_SCHEMA = `
CREATE UNIQUE INDEX ledger_entries_wallet_sequence ON ledger_entries (wallet_id, sequence);
CREATE INDEX ledger_entries_effective ON ledger_entries (environment_id, effective_at, id);
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  fanned_out INTEGER NOT NULL DEFAULT 0,
  customer_id TEXT
) WITHOUT ROWID;
CREATE INDEX events_to_fan_out ON events (id) WHERE fanned_out = 0;
CREATE INDEX events_customer ON events (environment_id, customer_id, id) WHERE customer_id IS NOT NULL;
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL REFERENCES environments (id),
  api_key_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  object_id TEXT,
  request_id TEXT NOT NULL,
  client_address TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX audit_log_key ON audit_log (environment_id, api_key_id, id);
CREATE INDEX audit_log_object ON audit_log (environment_id, object_id, id);
`;
