/**
 * Fewer indexes written per debit (issue 14): every index a ledger entry is
 * written to costs its commit at least one more page of WAL.
 *
 * - `ledger_entries_grant` (grant, id) goes: `ledger_entries_grant_sequence`
 *   serves every read by grant, and a grant's entries list in booking order.
 * - `ledger_entries_customer` (customer, id) goes: the ledger lists in the order
 *   entries took effect, `(effective_at, id)`, served by the two indexes that
 *   exports already walk (migration 13).
 * - `debits_wallet` (wallet, id) served no query; `debits_customer` serves the
 *   list of a customer's debits, which scanned the environment's debits before.
 */
export const ledgerIndexDiet = `
DROP INDEX ledger_entries_grant;
DROP INDEX ledger_entries_customer;
DROP INDEX debits_wallet;
CREATE INDEX debits_customer ON debits (environment_id, customer_id, id);
`;
