/**
 * Caller-chosen operation ids (Chargebee's optional `id` on ledger operations),
 * replacing the table migration 7 made and nothing wrote: it had no
 * `customer_id` (every wallet-scoped row carries one, so the schema can be
 * distributed by customer) and kept neither the request's fingerprint nor the
 * first response, which a repeat must be compared with and answered by forever
 * (idempotency keys expire; a caller's operation id does not).
 *
 * - `id` is unique per wallet (a Chargebee subscription and credit unit); the
 *   same id may name an operation on another wallet.
 * - `operation_id` is the Creditbook operation it names (the debit's, the hold's,
 *   or `rel_<hold id>`); an operation has at most one caller id.
 * - The row is written in the transaction that books the operation.
 */
export const callerOperationIdsSchema = `
DROP TABLE caller_operation_ids;

CREATE TABLE caller_operation_ids (
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  id TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (wallet_id, id)
);
CREATE INDEX caller_operation_ids_by_id ON caller_operation_ids (environment_id, id);
CREATE UNIQUE INDEX caller_operation_ids_by_operation ON caller_operation_ids (environment_id, operation_id);
`;
