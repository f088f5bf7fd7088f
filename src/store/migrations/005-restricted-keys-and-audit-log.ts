/**
 * Restricted API keys and the audit log.
 *
 * - A key carries a name, a JSON array of scopes and when it was last used
 *   (written at most once a minute per key). Keys made before this migration
 *   keep full access: their scopes default to `["all"]`.
 * - `audit_log` is append-only: one row per write an API key made, inserted in
 *   the write's own transaction. Triggers refuse UPDATE and DELETE on it, so not
 *   even a bug in the app can rewrite history through the store.
 */
export const restrictedKeysAndAuditLogSchema = `
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN scopes {{json}} NOT NULL DEFAULT '["all"]';
ALTER TABLE api_keys ADD COLUMN last_used_at {{time}};

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  environment_id TEXT NOT NULL REFERENCES environments (id),
  api_key_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  object_id TEXT,
  request_id TEXT NOT NULL,
  client_address TEXT NOT NULL,
  created_at {{time}} NOT NULL
);
CREATE INDEX audit_log_key ON audit_log (environment_id, api_key_id, id);
CREATE INDEX audit_log_object ON audit_log (environment_id, object_id, id);
`;

/** The triggers that make `audit_log` append-only, in each dialect's syntax. */
export const appendOnlyAuditLog = {
  sqlite: `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  postgres: `
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`,
};
