import { appendOnlyAuditLog } from './005-restricted-keys-and-audit-log.ts';

/**
 * The audit log stored WITHOUT ROWID on SQLite (issue 14), as the other tables a
 * write appends to already are. A rowid table with a TEXT primary key is two
 * B-trees, the rows by rowid and the key's automatic index, so every audited
 * write (each HTTP debit among them) wrote about a page of WAL more than the rows
 * need. The columns, indexes and append-only triggers stay as migration 5 made
 * them; the rows are copied once, in ID order. PostgreSQL has no rowid and keeps
 * its table as it is.
 */
export const auditLogWithoutRowid = {
  sqlite: `
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
CREATE TABLE audit_log_without_rowid (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL REFERENCES environments (id),
  api_key_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  object_id TEXT,
  request_id TEXT NOT NULL,
  client_address TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO audit_log_without_rowid (id, environment_id, api_key_id, operation, object_id, request_id, client_address, created_at)
  SELECT id, environment_id, api_key_id, operation, object_id, request_id, client_address, created_at FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_without_rowid RENAME TO audit_log;
CREATE INDEX audit_log_key ON audit_log (environment_id, api_key_id, id);
CREATE INDEX audit_log_object ON audit_log (environment_id, object_id, id);
${appendOnlyAuditLog.sqlite}`,
  postgres: '',
};
