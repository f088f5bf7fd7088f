import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayWriteWalletState } from './sqlite-executor.ts';

it('tells the writes that may change a remembered wallet state from those that cannot', () => {
  for (const sql of [
    'UPDATE wallets SET balance = ? WHERE id = ?',
    'INSERT INTO grants (id) VALUES (?)',
    '  update Grants set name = ?',
    'DELETE FROM holds WHERE id = ?',
    'INSERT OR REPLACE INTO wallet_settings (wallet_id) VALUES (?)',
    'INSERT INTO grant_schedules(id) VALUES (?)',
    // What it cannot classify counts as a wallet write.
    'WITH moved AS (SELECT 1) UPDATE events SET fanned_out = 1',
    'CREATE TABLE x (id TEXT)',
  ]) {
    assert.equal(mayWriteWalletState(sql), true, sql);
  }
  for (const sql of [
    'UPDATE events SET fanned_out = 1 WHERE id IN (?)',
    'INSERT INTO ledger_entries (id) VALUES (?)',
    'INSERT INTO webhook_deliveries (id) VALUES (?)',
    'DELETE FROM idempotency_keys WHERE expires_at < ?',
    'INSERT INTO audit_log (id) VALUES (?)',
    'UPDATE wallets_archive SET x = 1',
  ]) {
    assert.equal(mayWriteWalletState(sql), false, sql);
  }
});
