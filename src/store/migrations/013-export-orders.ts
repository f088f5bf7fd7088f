/**
 * Exports walk a table in time order, a bounded page at a time (keyset pages on
 * `(time, id)`), so each page is an index range, never a scan or a sort: the
 * ledger by when entries took effect, grants by when they were made, usage events
 * by when the usage happened. With a customer filter the customer's own index is
 * used (usage events already had one: `usage_events_report`).
 */
export const exportOrders = `
CREATE INDEX ledger_entries_effective ON ledger_entries (environment_id, effective_at, id);
CREATE INDEX ledger_entries_customer_effective ON ledger_entries (environment_id, customer_id, effective_at, id);
CREATE INDEX grants_created ON grants (environment_id, created_at, id);
CREATE INDEX grants_customer_created ON grants (environment_id, customer_id, created_at, id);
CREATE INDEX usage_events_occurred ON usage_events (environment_id, occurred_at, id);
`;
