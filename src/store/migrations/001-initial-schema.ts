/**
 * The first schema. Written once for both dialects; `{{amount}}`, `{{time}}` and
 * `{{json}}` are replaced per dialect (see migrations.ts). Amounts are exact
 * decimals (TEXT on SQLite, NUMERIC on PostgreSQL) and are only ever computed
 * on in the domain, with bigints. Every wallet-scoped table carries
 * environment_id and customer_id so that it can be distributed by customer.
 */
export const initialSchema = `
CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
  name TEXT NOT NULL,
  frozen_clock_at {{time}},
  created_at {{time}} NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL REFERENCES environments (id),
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  revoked_at {{time}}
);

CREATE TABLE units (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  code TEXT NOT NULL,
  scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 10),
  name TEXT,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (environment_id, code)
);

CREATE TABLE customers (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  id TEXT NOT NULL,
  external_id TEXT,
  name TEXT,
  email TEXT,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (environment_id, id)
);
CREATE UNIQUE INDEX customers_external_id ON customers (environment_id, external_id);

CREATE TABLE wallets (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  overdraft_limit {{amount}} NOT NULL,
  overdraft {{amount}} NOT NULL,
  balance {{amount}} NOT NULL,
  held {{amount}} NOT NULL,
  sequence BIGINT NOT NULL,
  grant_count INTEGER NOT NULL,
  advanced_to {{time}} NOT NULL,
  next_event_at {{time}},
  created_at {{time}} NOT NULL,
  -- Customer IDs may be chosen by the caller, so they are unique per environment only.
  FOREIGN KEY (environment_id, customer_id) REFERENCES customers (environment_id, id)
);
CREATE UNIQUE INDEX wallets_address ON wallets (environment_id, customer_id, unit, wallet_key);
CREATE INDEX wallets_next_event ON wallets (next_event_at);

CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  available {{amount}} NOT NULL,
  held {{amount}} NOT NULL,
  consumed {{amount}} NOT NULL,
  expired {{amount}} NOT NULL,
  voided {{amount}} NOT NULL,
  category TEXT NOT NULL,
  priority INTEGER NOT NULL,
  effective_at {{time}} NOT NULL,
  expires_at {{time}},
  created_at {{time}} NOT NULL,
  ordinal INTEGER NOT NULL,
  activated_at {{time}},
  expired_at {{time}},
  voided_at {{time}},
  payment_pending INTEGER NOT NULL,
  applies_to {{json}} NOT NULL,
  name TEXT,
  metadata {{json}} NOT NULL,
  cost_amount {{amount}},
  cost_currency TEXT,
  live INTEGER NOT NULL
){{without_rowid}};
-- The filter column is in the key too: without it SQLite's planner prefers grants_wallet and scans history.
CREATE INDEX grants_live ON grants (wallet_id, live) WHERE live = 1;
CREATE INDEX grants_wallet ON grants (wallet_id, ordinal);
CREATE INDEX grants_environment ON grants (environment_id, id);

CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  feature TEXT,
  expires_at {{time}} NOT NULL,
  status TEXT NOT NULL,
  allocations {{json}} NOT NULL,
  captured_amount {{amount}} NOT NULL,
  debit_id TEXT,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL,
  ended_at {{time}}
){{without_rowid}};
CREATE INDEX holds_active ON holds (wallet_id, status) WHERE status = 'active';
CREATE INDEX holds_wallet ON holds (wallet_id, id);

CREATE TABLE debits (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  consumed {{amount}} NOT NULL,
  overdrawn {{amount}} NOT NULL,
  shortfall {{amount}} NOT NULL,
  feature TEXT,
  policy TEXT NOT NULL,
  hold_id TEXT,
  allocations {{json}} NOT NULL,
  occurred_at {{time}} NOT NULL,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL
){{without_rowid}};
CREATE INDEX debits_wallet ON debits (wallet_id, id);

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
  amount {{amount}} NOT NULL,
  held_amount {{amount}} NOT NULL,
  balance_after {{amount}} NOT NULL,
  held_after {{amount}} NOT NULL,
  effective_at {{time}} NOT NULL,
  created_at {{time}} NOT NULL
){{without_rowid}};
CREATE UNIQUE INDEX ledger_entries_wallet_sequence ON ledger_entries (wallet_id, sequence);
CREATE INDEX ledger_entries_grant ON ledger_entries (grant_id);

CREATE TABLE idempotency_keys (
  environment_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  expires_at {{time}},
  PRIMARY KEY (environment_id, scope, idempotency_key)
){{without_rowid}};
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data {{json}} NOT NULL,
  created_at {{time}} NOT NULL
){{without_rowid}};
`;
