import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import pg from 'pg';
import { PipelinedStatements, type PipelinedStatement } from '../../src/store/postgres/pipelined-statements.ts';
import { postgresClients } from '../support/postgres-clients.ts';
import { forStore } from '../support/stores.ts';

/**
 * The one-round-trip write (one-trip.ts) relies on PostgreSQL running a
 * pipelined message of prepared statements (Parse/Bind/Execute each, one Sync)
 * as one implicit transaction: all of it commits, or none of it. These check
 * that on the real server, and that each connection prepares a statement once.
 */
forStore('postgres', 'pipelined prepared statements as one implicit transaction', (target) => {
  const connect = postgresClients(target);

  const insert = (name: string, id: string, value: string | null): PipelinedStatement => ({ name, text: 'INSERT INTO pipelined (id, value) VALUES ($1, $2)', values: [id, value] });
  const count = (name: string): PipelinedStatement => ({ name, text: 'SELECT count(*)::text FROM pipelined', values: [] });
  const divide = (name: string, by: string): PipelinedStatement => ({ name, text: 'SELECT (1 / $1::int)::text', values: [by] });

  async function send(client: pg.Client, statements: PipelinedStatement[]): Promise<{ value: string | null | undefined; message: PipelinedStatements }> {
    const message = new PipelinedStatements(statements);
    client.query(message as unknown as pg.Submittable);
    return { value: await message.result, message };
  }

  async function rows(client: pg.Client): Promise<string[]> {
    return (await client.query<{ id: string }>('SELECT id FROM pipelined ORDER BY id')).rows.map((row) => row.id);
  }

  before(async () => {
    const client = await connect();
    await client.query('CREATE TABLE pipelined (id TEXT PRIMARY KEY, value TEXT)');
  });

  it('commits every statement together and resolves with the first column of the last row', async () => {
    const client = await connect();
    const { value } = await send(client, [insert('p_insert', 'a', "it's"), insert('p_insert', 'b', null), count('p_count')]);
    assert.equal(value, '2');
    const other = await connect();
    assert.deepEqual(await rows(other), ['a', 'b']);
    assert.equal((await other.query<{ value: string | null }>("SELECT value FROM pipelined WHERE id = 'a'")).rows[0]!.value, "it's");
  });

  it('rolls back the statements before a failing one, and leaves the connection usable', async () => {
    const client = await connect();
    const before = await rows(client);
    await assert.rejects(send(client, [insert('p_insert', 'c', 'x'), divide('p_divide', '0'), insert('p_insert', 'd', 'y')]), (error: unknown) => {
      assert.ok(error instanceof pg.DatabaseError);
      assert.equal(error.code, '22012');
      return true;
    });
    assert.deepEqual(await rows(client), before);
    // A used key fails the same way, after the earlier statements ran.
    await assert.rejects(send(client, [insert('p_insert', 'e', 'x'), insert('p_insert', 'a', 'again')]), (error: unknown) => (error as pg.DatabaseError).code === '23505');
    assert.deepEqual(await rows(client), before);
    const { value } = await send(client, [insert('p_insert', 'f', 'z'), count('p_count')]);
    assert.equal(value, String(before.length + 1));
  });

  it('prepares each named statement once per connection', async () => {
    const client = await connect();
    await send(client, [insert('p_once', 'g', '1'), insert('p_once', 'h', '2'), count('p_once_count')]);
    await send(client, [insert('p_once', 'i', '3'), count('p_once_count')]);
    const prepared = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'p_once%' ORDER BY name");
    assert.deepEqual(
      prepared.rows.map((row) => row.name),
      ['p_once', 'p_once_count'],
    );
    const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
    assert.equal(connection.parsedStatements.p_once, 'INSERT INTO pipelined (id, value) VALUES ($1, $2)');
  });

  it('knows which statements a failed message prepared, so the next one neither prepares twice nor misses one', async () => {
    const client = await connect();
    const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
    // p_first is prepared and runs, p_fails is prepared and fails, p_skipped is never reached.
    await assert.rejects(send(client, [divide('p_first', '1'), divide('p_fails', '0'), divide('p_skipped', '1')]));
    assert.deepEqual(Object.keys(connection.parsedStatements).filter((name) => name.startsWith('p_')).sort(), ['p_fails', 'p_first']);
    // A value the server cannot bind fails before p_bind_after is prepared.
    await assert.rejects(send(client, [divide('p_fails', 'not a number'), divide('p_bind_after', '1')]), (error: unknown) => (error as pg.DatabaseError).code === '22P02');
    assert.equal(connection.parsedStatements.p_bind_after, undefined);
    const { value } = await send(client, [divide('p_first', '1'), divide('p_fails', '1'), divide('p_skipped', '1'), divide('p_bind_after', '2')]);
    assert.equal(value, '0');
    const prepared = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'p\\_%' ORDER BY name");
    assert.deepEqual(
      prepared.rows.map((row) => row.name),
      ['p_bind_after', 'p_fails', 'p_first', 'p_skipped'],
    );
  });

  it('waits for a row lock another transaction holds, then sees what it committed', async () => {
    const holder = await connect();
    const waiter = await connect();
    await holder.query('BEGIN');
    await holder.query("UPDATE pipelined SET value = 'held' WHERE id = 'a'");
    const pending = send(waiter, [
      { name: 'p_lock', text: 'SELECT value FROM pipelined WHERE id = $1 FOR UPDATE', values: ['a'] },
      { name: 'p_update', text: 'UPDATE pipelined SET value = value || $1 WHERE id = $2', values: ['+waiter', 'a'] },
      { name: 'p_read', text: 'SELECT value FROM pipelined WHERE id = $1', values: ['a'] },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await holder.query('COMMIT');
    assert.equal((await pending).value, 'held+waiter');
  });
});
