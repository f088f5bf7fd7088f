/**
 * A grant's entries are read through its wallet (issue 14): every debit wrote a
 * leaf of `ledger_entries_grant_sequence`, an index keyed by a random grant, and
 * now writes none. The grant row, which an entry's booking rewrites anyway,
 * carries the wallet sequences of its first and latest entries; its entries are
 * the ones between them in `ledger_entries_wallet_sequence` that name it
 * (`app/grant-entries.ts`). Filled here from the index, before it goes.
 */
export const grantEntrySpan = `
ALTER TABLE grants ADD COLUMN first_entry_sequence BIGINT;
ALTER TABLE grants ADD COLUMN last_entry_sequence BIGINT;
UPDATE grants SET
  first_entry_sequence = (SELECT MIN(sequence) FROM ledger_entries WHERE ledger_entries.grant_id = grants.id),
  last_entry_sequence = (SELECT MAX(sequence) FROM ledger_entries WHERE ledger_entries.grant_id = grants.id);
DROP INDEX ledger_entries_grant_sequence;
`;
