/**
 * A customer's ledger is read through its wallets (issue 14): every debit wrote a
 * leaf of `ledger_entries_customer_effective`, an index keyed by a random
 * customer, and now writes none. A wallet's entries take effect in sequence order,
 * so its `(wallet_id, sequence)` index also orders them by time, and a customer's
 * entries are its wallets' merged (`app/customer-entries.ts`).
 */
export const customerLedgerThroughWallets = `
DROP INDEX ledger_entries_customer_effective;
`;
