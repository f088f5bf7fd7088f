/**
 * The debit's hot path, lighter (issue 14).
 *
 * - `wallets.has_settings`: 1 once the wallet has a `wallet_settings` row (rows
 *   are never deleted), set in the transaction that writes the settings
 *   (`wallet-settings-queries.ts`). A wallet without settings, nearly all of
 *   them, needs no settings read when its balance moves.
 */
export const hotPathDiet = `
ALTER TABLE wallets ADD COLUMN has_settings INTEGER NOT NULL DEFAULT 0;
UPDATE wallets SET has_settings = 1 WHERE id IN (SELECT wallet_id FROM wallet_settings);
`;
