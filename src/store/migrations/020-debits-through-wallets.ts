/**
 * A customer's debits are read through its wallets (issue 14): `debits_customer`, keyed by a
 * random customer, cost every debit a leaf page of its own at commit. A debit that took credit
 * or overdrew names its entries in its wallet's ledger, which `(wallet_id, sequence)` already
 * indexes, and a wallet's debits take IDs in the order they are booked (`wallets.last_debit_id`,
 * `app/debit-ids.ts`), so those entries list them in ID order (`app/customer-debits.ts`). A debit
 * that took nothing names no entry; `debits_unbooked` indexes only those, and is seldom written.
 * Queries on it repeat its condition word for word, so both planners can use it. Dropping an
 * index reads nothing; building the partial one reads every debit once.
 */
export const debitsThroughWallets = `
ALTER TABLE wallets ADD COLUMN last_debit_id TEXT;
CREATE INDEX debits_unbooked ON debits (environment_id, customer_id, id) WHERE consumed = '0' AND overdrawn = '0';
DROP INDEX debits_customer;
`;
