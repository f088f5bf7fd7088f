/**
 * Rated usage: features, their prices (versioned by effectiveAt, per-customer
 * overrides) and usage events.
 *
 * - Prices are never updated or deleted: a change is a new version with a later
 *   effectiveAt, so whatever an old event was rated by stays readable.
 *   `dimensions_key` is the filter's canonical text; one filter has at most one
 *   version per instant in a scope (`customer_id` '' is the list price).
 * - A usage event's `id` is the caller's and unique per environment forever (the
 *   primary key). The event row, its debit, ledger entries and the idempotency
 *   record that answers resends are written in one transaction.
 * - `consumed + overdrawn + shortfall = cost`: what grants paid, what went into
 *   overdraft, and what nothing covered.
 */
export const ratedUsageSchema = `
CREATE TABLE features (
  environment_id TEXT NOT NULL,
  key TEXT NOT NULL,
  name TEXT,
  dimensions {{json}} NOT NULL,
  quantity_scale INTEGER NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (environment_id, key)
);

CREATE TABLE prices (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  feature TEXT NOT NULL,
  unit TEXT NOT NULL,
  amount {{amount}} NOT NULL,
  per {{amount}} NOT NULL,
  dimensions {{json}} NOT NULL,
  dimensions_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  minimum {{amount}},
  effective_at {{time}} NOT NULL,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX prices_version ON prices (environment_id, feature, customer_id, dimensions_key, effective_at);
CREATE INDEX prices_environment ON prices (environment_id, id);

CREATE TABLE usage_events (
  environment_id TEXT NOT NULL,
  id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  unit TEXT NOT NULL,
  wallet_key TEXT NOT NULL,
  feature TEXT NOT NULL,
  quantity {{amount}} NOT NULL,
  dimensions {{json}} NOT NULL,
  occurred_at {{time}} NOT NULL,
  price_id TEXT NOT NULL,
  cost {{amount}} NOT NULL,
  consumed {{amount}} NOT NULL,
  overdrawn {{amount}} NOT NULL,
  shortfall {{amount}} NOT NULL,
  allocations {{json}} NOT NULL,
  debit_id TEXT,
  reservation_id TEXT,
  metadata {{json}} NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (environment_id, id)
);
CREATE INDEX usage_events_report ON usage_events (environment_id, customer_id, occurred_at, id);
`;
