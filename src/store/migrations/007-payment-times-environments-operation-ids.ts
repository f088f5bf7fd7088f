/**
 * When a grant's payment was confirmed (so a past read sees it pending), deleted
 * test environments, and the operation ids callers choose (Chargebee's `id` on
 * ledger operations). Issue 11.
 */
export const paymentTimesEnvironmentsOperationIds = `
ALTER TABLE grants ADD COLUMN paid_at {{time}};
-- Grants paid before this column existed: their purchase knows when.
UPDATE grants SET paid_at = (SELECT purchases.paid_at FROM purchases WHERE purchases.grant_id = grants.id)
  WHERE source = 'purchase' AND payment_pending = 0;

ALTER TABLE environments ADD COLUMN deleted_at {{time}};

-- A caller's id for an operation, unique per wallet (a Chargebee subscription and unit).
CREATE TABLE caller_operation_ids (
  environment_id TEXT NOT NULL,
  wallet_id TEXT NOT NULL REFERENCES wallets (id),
  id TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (wallet_id, id)
);
CREATE INDEX caller_operation_ids_by_id ON caller_operation_ids (environment_id, id);
CREATE INDEX caller_operation_ids_by_operation ON caller_operation_ids (environment_id, operation_id);
`;
