/**
 * Refunds of unused paid credits (docs/finance.md#refunds).
 *
 * - A credit note is written in the transaction that voids the refunded credits
 *   (`status` 'pending'), so the void and the money owed back are one fact. The
 *   provider is called after that commit with the credit note's ID as its
 *   idempotency key, then the note is marked 'succeeded' (`WHERE status =
 *   'pending'`, once). A crash in between leaves it pending; the next attempt
 *   (a retried request or the background sweep) makes the same provider call.
 * - `ledger_sequence` is the sequence of the void entry the refund booked in its
 *   wallet: the revenue report tells a refund from breakage by it.
 * - `amount_minor` is the money at cost basis, by the cumulative method.
 * - `grants_customer` lets the revenue report of one customer walk only that
 *   customer's grants; `ledger_entries_grant_sequence` lets it read a grant's
 *   entries in order, a chunk at a time.
 */
export const creditNotesSchema = `
CREATE TABLE credit_notes (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  purchase_id TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  credits {{amount}} NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  ledger_sequence BIGINT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded')),
  refund_reference TEXT,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  created_at {{time}} NOT NULL,
  refunded_at {{time}}
){{without_rowid}};
CREATE INDEX credit_notes_purchase ON credit_notes (environment_id, purchase_id);
CREATE INDEX credit_notes_grant ON credit_notes (grant_id);
CREATE INDEX credit_notes_pending ON credit_notes (status, created_at) WHERE status = 'pending';
CREATE INDEX grants_customer ON grants (environment_id, customer_id, id);
CREATE INDEX ledger_entries_grant_sequence ON ledger_entries (grant_id, sequence);
`;
