import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Repository } from '../repository/repository.ts';
import type { SqlExecutor } from '../sql-executor.ts';
import { withPlanner } from './query-planner.ts';
import { SQLITE_CAPABILITIES } from './sqlite-store.ts';

/**
 * The environment-wide lists no index narrows to the environment (debits and events with or without a filter, holds,
 * the audit log, credit notes and wallets) read in windows too: a walk along the primary key to the window's far end,
 * then a range of it bounded on both sides; the audit log by a key or an object walks that index, the key or object
 * fixed and the walk bounded by ID. No statement sorts, and none examines more than the window: one statement over the
 * whole list walked every environment's rows (or a key's) until a page matched (19–142 ms a page at 200,000).
 */
it('reads environment lists no index narrows in windows of the primary key, or of the audit log index a filter names', () =>
  withPlanner(async (plan) => {
    const recorded: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = {
      all: async (sql, params = []) => (recorded.push({ sql, params }), []),
      get: async <Row>(sql: string, params: readonly unknown[] = []) => (recorded.push({ sql, params }), { id: 'x_1' } as Row),
      run: async () => 0,
    };
    const repository = new Repository(recorder, SQLITE_CAPABILITIES);
    for (const descending of [true, false]) {
      for (const after of ['x_5', null]) {
        const input = { descending, window: 2000, limit: 21, after };
        await repository.debits.listWindow('env', {}, input);
        await repository.events.listWindow('env', {}, input);
        await repository.holds.listWindow('env', {}, input);
        await repository.holds.listWindow('env', { status: { status: 'active', now: 5 }, customerId: 'c' }, input);
        await repository.audit.listWindow('env', {}, input);
        await repository.audit.listWindow('env', { operation: 'POST /v1/debits', createdFrom: 1, createdBefore: 9 }, input);
        await repository.creditNotes.listWindow('env', {}, input);
        await repository.creditNotes.listWindow('env', { status: 'pending' }, input);
        await repository.wallets.listWindow('env', {}, input);
        await repository.wallets.listWindow('env', { unit: 'u', walletKey: 'k' }, input);
        await repository.audit.listWindow('env', { apiKeyId: 'key_1', objectId: 'dbt_1', operation: 'POST /v1/debits' }, input);
        await repository.audit.listWindow('env', { objectId: 'dbt_1', requestId: 'req_1' }, input);
      }
    }
    assert.equal(recorded.length, 4 * 12 * 2);
    let scoped = 0;
    for (const [index, { sql, params }] of recorded.entries()) {
      const detail = plan(sql, params);
      assert.doesNotMatch(detail, /TEMP B-TREE/, `${sql}: ${detail}`);
      const scope = sql.includes('INDEXED BY audit_log_key') ? 'audit_log_key (environment_id=? AND api_key_id=?' : sql.includes('INDEXED BY audit_log_object') ? 'audit_log_object (environment_id=? AND object_id=?' : undefined;
      const [beyond, short] = sql.includes(' DESC') ? ['id<?', 'id>?'] : ['id>?', 'id<?'];
      const start = params.includes('x_5');
      // Each bound is the ID of a row: the walk's start (beyond it), the window's far end (short of it, inclusive).
      const bounds = index % 2 === 0 ? (start ? [beyond] : []) : start ? ['id>?', 'id<?'] : [short];
      if (index % 2 === 0) {
        assert.match(sql, /LIMIT 1 OFFSET \?$/);
        assert.equal(params.at(-1), 1999, 'the far end: the window’s last entry');
      }
      if (scope !== undefined) {
        scoped += 1;
        const covering = index % 2 === 0 ? 'COVERING ' : '';
        assert.equal(detail, `SEARCH audit_log USING ${covering}INDEX ${[scope, ...bounds].join(' AND ')})`, sql);
      } else if (bounds.length === 0) {
        assert.match(detail, /^SCAN \w+( USING (COVERING )?INDEX sqlite_autoindex_\w+)?$/, `${sql}: ${detail}`);
      } else {
        const expected = new RegExp(`^SEARCH \\w+ USING (PRIMARY KEY|(COVERING )?INDEX sqlite_autoindex_\\w+) \\(${bounds.join(' AND ').replace(/\?/g, '\\?')}\\)$`);
        assert.match(detail, expected, `${sql}: ${detail}`);
      }
    }
    assert.equal(scoped, 4 * 2 * 2, 'the audit log by key or object walks that index');
  }));
