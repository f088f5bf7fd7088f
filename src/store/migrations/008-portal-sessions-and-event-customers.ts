/**
 * The customer portal and the console's filters.
 *
 * - `portal_sessions`: a short-lived credential for one customer. Only the token's
 *   SHA-256 is stored (as for API keys); `packs` are the purchases the operator
 *   allows the customer to start, as JSON.
 * - `events.customer_id`: the customer an event is about, copied from its data on
 *   insert so events can be listed by customer through an index. Earlier events
 *   are backfilled from their JSON data.
 */
export const portalSessionsAndEventCustomers = `
CREATE TABLE portal_sessions (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  return_url TEXT,
  packs {{json}} NOT NULL,
  expires_at {{time}} NOT NULL,
  created_at {{time}} NOT NULL
);
CREATE INDEX portal_sessions_customer ON portal_sessions (environment_id, customer_id, id);

ALTER TABLE events ADD COLUMN customer_id TEXT;
UPDATE events SET customer_id = {{event_customer_from_data}};
CREATE INDEX events_customer ON events (environment_id, customer_id, id);
`;
