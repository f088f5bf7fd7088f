import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.ts';
import { WalIndexHeader } from './wal-index-header.ts';

/** Lets the event loop finish its turn: `externalChanges()` looks at the header once per turn. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function withDirectory(run: (directory: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'creditbook-walindex-'));
    try {
      await run(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}

/** A WAL database with a table `t`, the connection that marks (`writer`), another one, and the header; all closed after. */
function withConnections(run: (parts: { writer: Database.Database; other: Database.Database; header: WalIndexHeader }) => void): () => Promise<void> {
  return withDirectory((directory) => {
    const path = join(directory, 'db');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (x)');
    const other = new Database(path);
    const header = new WalIndexHeader(`${path}-shm`);
    try {
      run({ writer, other, header });
    } finally {
      header.close();
      other.close();
      writer.close();
    }
  });
}

it(
  'sees every commit of any connection, and nothing else, as a change',
  withConnections(({ writer, other, header }) => {
    header.mark();
    assert.equal(header.unchangedSinceMark(), true);
    other.prepare('SELECT count(*) FROM t').get();
    assert.equal(header.unchangedSinceMark(), true, 'a read commits nothing');
    other.prepare('INSERT INTO t VALUES (1)').run();
    assert.equal(header.unchangedSinceMark(), false, "another connection's commit");
    header.mark();
    writer.prepare('INSERT INTO t VALUES (2)').run();
    assert.equal(header.unchangedSinceMark(), false, "the marking side's own commit");
    header.mark();
    writer.exec('BEGIN; INSERT INTO t VALUES (3); ROLLBACK');
    assert.equal(header.unchangedSinceMark(), true, 'a rollback commits nothing');
  }),
);

it(
  "carries the mark over the marking side's own commit, and over nobody else's",
  withConnections(({ writer, other, header }) => {
    const ownCommit = (afterCommit?: () => void) => {
      writer.exec('BEGIN IMMEDIATE');
      header.ownCommitBegan();
      writer.prepare('INSERT INTO t VALUES (1)').run();
      writer.exec('COMMIT');
      afterCommit?.();
      header.ownCommitEnded(true);
    };
    header.mark();
    ownCommit();
    assert.equal(header.unchangedSinceMark(), true, 'own commit alone: carried over');
    ownCommit();
    ownCommit();
    assert.equal(header.unchangedSinceMark(), true, 'own commits in a row');
    other.prepare('INSERT INTO t VALUES (2)').run();
    ownCommit();
    assert.equal(header.unchangedSinceMark(), false, "another connection's commit before the lock was taken");
    header.mark();
    ownCommit(() => other.prepare('INSERT INTO t VALUES (3)').run());
    assert.equal(header.unchangedSinceMark(), false, "another connection's commit right after the own one");
    header.mark();
    writer.exec('BEGIN IMMEDIATE');
    header.ownCommitBegan();
    writer.prepare('INSERT INTO t VALUES (4)').run();
    writer.exec('ROLLBACK');
    header.ownCommitEnded(false);
    assert.equal(header.unchangedSinceMark(), true, 'a rollback leaves the mark true');
    other.prepare('INSERT INTO t VALUES (5)').run();
    writer.exec('BEGIN IMMEDIATE');
    header.ownCommitBegan();
    writer.exec('ROLLBACK');
    header.ownCommitEnded(true);
    assert.equal(header.unchangedSinceMark(), false, 'nothing carries over a change the mark never saw');
  }),
);

it(
  'is never unchanged where the -shm file cannot be read',
  withDirectory((directory) => {
    const header = new WalIndexHeader(join(directory, 'missing-shm'));
    header.mark();
    assert.equal(header.unchangedSinceMark(), false);
    header.close();
  }),
);

it(
  "lets SqliteStore.externalChanges() move in the turn after another connection commits, and only then",
  withDirectory(async (directory) => {
    const path = join(directory, 'db');
    const store = new SqliteStore(path);
    await store.migrate();
    const other = new Database(path);
    const commitOther = (id: string) => other.prepare(`INSERT INTO environments (id, mode, name, created_at) VALUES ('${id}', 'test', 'other', 0)`).run();
    try {
      const first = store.externalChanges();
      assert.equal(store.externalChanges(), first);
      const environment = (id: string) => ({ id, mode: 'test' as const, name: id, frozenClockAt: null, createdAt: 0 });
      await store.transaction((repository) => repository.accounts.insertEnvironment(environment('env_own')));
      await nextTurn();
      assert.equal(store.externalChanges(), first, "this store's own commits are no external change");
      commitOther('env_other');
      assert.equal(store.externalChanges(), first, 'the turn that already looked answers what it saw');
      await nextTurn();
      const second = store.externalChanges();
      assert.notEqual(second, first);
      assert.equal(store.externalChanges(), second);
      await nextTurn();
      assert.equal(store.externalChanges(), second, 'nothing committed since');
      commitOther('env_other_2');
      await nextTurn();
      assert.notEqual(store.externalChanges(), second);
    } finally {
      other.close();
      await store.close();
    }
  }),
);

it(
  "asks SQLite for data_version after another process's commit, and not after the store's own",
  withDirectory(async (directory) => {
    const path = join(directory, 'db');
    const statements: string[] = [];
    const store = new SqliteStore(path, { onStatement: (sql) => statements.push(sql) });
    await store.migrate();
    const other = new Database(path);
    const pragmasDuring = (run: () => unknown) => {
      statements.length = 0;
      run();
      return statements.filter((sql) => sql.includes('data_version')).length;
    };
    try {
      const environment = (id: string) => ({ id, mode: 'test' as const, name: id, frozenClockAt: null, createdAt: 0 });
      store.externalChanges();
      await store.transaction((repository) => repository.accounts.insertEnvironment(environment('env_own')));
      await nextTurn();
      assert.equal(pragmasDuring(() => store.externalChanges()), 0, 'own commit: the header was carried over');
      other.prepare("INSERT INTO environments (id, mode, name, created_at) VALUES ('env_other', 'test', 'other', 0)").run();
      await nextTurn();
      assert.equal(pragmasDuring(() => store.externalChanges()), 1, "another process's commit");
      assert.equal(pragmasDuring(() => store.externalChanges()), 0);
      await nextTurn();
      assert.equal(pragmasDuring(() => store.externalChanges()), 0, 'a later turn, nothing committed');
    } finally {
      other.close();
      await store.close();
    }
  }),
);
