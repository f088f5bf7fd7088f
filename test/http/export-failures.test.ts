import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { EXPORT_PAGE_SIZE } from '../../src/app/exports.ts';
import { expectError, HOUR, startTestApi, type TestApi } from '../support/test-api.ts';

/**
 * GET /v1/exports/<kind> when reading the rows fails (a stored value that does not
 * map: a time past what a JavaScript Date holds). Before the first row is sent it is
 * an ordinary JSON error, never a 200 with a header alone that looks like an empty
 * export; after the first byte, the body ends without its final line end.
 */
const EVER = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
/** Past Date's range (8.64e15 ms): the row reads, but its time cannot be written as RFC 3339. */
const BEYOND_DATE = 9e15;

describe('exports that fail reading their rows', () => {
  let api: TestApi;
  let database: Database.Database;

  /** Sets `column` of one stored row to a value that fails to map, runs `check`, and puts the value back. */
  async function withBadValue(table: string, column: string, id: string, check: () => Promise<void>): Promise<void> {
    const { value } = database.prepare(`SELECT ${column} AS value FROM ${table} WHERE id = ?`).get(id) as { value: unknown };
    database.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`).run(BEYOND_DATE, id);
    try {
      await check();
    } finally {
      database.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`).run(value, id);
    }
  }

  /** What a client of the running server gets: the status, the headers, every byte of the body, and whether the body ended complete (the terminating chunk came) or was cut off. */
  async function download(path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string; complete: boolean }> {
    const { port } = api.server.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${api.testKey}` } }, (response) => {
        const chunks: Buffer[] = [];
        const done = (complete: boolean) => resolve({ status: response.statusCode!, headers: response.headers, text: Buffer.concat(chunks).toString('utf8'), complete });
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(response.complete));
        response.on('error', () => done(false));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  const url = (kind: string, format: string | undefined) => `/v1/exports/${kind}?${new URLSearchParams({ ...EVER, ...(format ? { format } : {}) })}`;

  before(async () => {
    api = await startTestApi();
    database = new Database(api.databasePath, { fileMustExist: true });
    database.pragma('busy_timeout = 5000');
    const wallet = await api.wallet();
    await api.grant({ ...wallet, amount: '10' });
    await api.grant({ ...wallet, amount: '20', expiresAt: new Date(api.t0 + 48 * HOUR).toISOString() });
    await api.debit({ ...wallet, amount: '5' });
    await api.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    database?.close();
    await api?.close();
  });

  it('a row that fails before the first is sent is a JSON 500, in CSV (the default too) and JSON lines, for the ledger and grants', async () => {
    const first = (table: string, order: string) => (database.prepare(`SELECT id FROM ${table} ORDER BY ${order}, id LIMIT 1`).get() as { id: string }).id;
    const cases: Array<[kind: string, table: string, column: string, id: string]> = [
      ['grants', 'grants', 'expires_at', first('grants', 'created_at')],
      ['grants', 'grants', 'effective_at', first('grants', 'created_at')],
      ['ledger', 'ledger_entries', 'created_at', first('ledger_entries', 'effective_at')],
    ];
    for (const [kind, table, column, id] of cases) {
      for (const format of [undefined, 'csv', 'jsonl']) {
        assert.equal((await api.get(url(kind, format))).status, 200, `${kind} ${format}: a sound export first`);
      }
      await withBadValue(table, column, id, async () => {
        for (const format of [undefined, 'csv', 'jsonl']) {
          const response = await download(url(kind, format));
          assert.equal(response.status, 500, `${kind} ${format}: ${response.status} ${JSON.stringify(response.text.slice(0, 200))}`);
          assert.ok(response.complete, `${kind} ${format}: a whole response`);
          assert.match(String(response.headers['content-type']), /^application\/json/, `${kind} ${format}: a JSON error, not an export`);
          assert.equal(response.headers['content-disposition'], undefined, `${kind} ${format}: no attachment`);
          const error = expectError({ status: response.status, headers: response.headers as Record<string, string>, body: JSON.parse(response.text), text: response.text }, { status: 500, code: 'internal_error' });
          assert.doesNotMatch(error.message, /Invalid time value|RangeError|expires_at|created_at/, `${kind} ${format}: a 500 exposes no internals`);
          // In process too, where the response is checked against the route's documented contract.
          expectError(await api.get(url(kind, format)), { status: 500, code: 'internal_error' });
        }
      });
    }
  });

  it('a row that fails after the first page was sent leaves the body without its final line end, in CSV and JSON lines', async () => {
    // More than a page of grants: copies of a sound one, made after it; the very last fails to map.
    const columns = (database.prepare('PRAGMA table_info(grants)').all() as Array<{ name: string }>).map((info) => info.name);
    const source = database.prepare('SELECT id, created_at FROM grants ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: string; created_at: number };
    const copies = EXPORT_PAGE_SIZE + 50;
    const copied = columns.map((name) => (name === 'id' ? `grants.id || '_copy_' || printf('%05d', n)` : name === 'created_at' ? 'grants.created_at + n' : name === 'live' ? '0' : `grants.${name}`));
    database
      .prepare(
        `WITH RECURSIVE copies(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copies WHERE n < ?)
         INSERT INTO grants (${columns.join(', ')}) SELECT ${copied.join(', ')} FROM grants, copies WHERE grants.id = ?`,
      )
      .run(copies, source.id);
    const last = `${source.id}_copy_${String(copies).padStart(5, '0')}`;
    try {
      for (const format of ['csv', 'jsonl']) {
        const sound = await download(url('grants', format));
        assert.equal(sound.status, 200);
        assert.ok(sound.complete);
        assert.ok(sound.text.endsWith('\n'), `${format}: a complete export ends with a line end`);
        assert.ok(sound.text.split('\n').length > EXPORT_PAGE_SIZE + 50, `${format}: every row`);
      }
      await withBadValue('grants', 'expires_at', last, async () => {
        for (const format of ['csv', 'jsonl']) {
          const response = await download(url('grants', format));
          assert.equal(response.status, 200, `${format}: the stream had started`);
          assert.equal(response.complete, false, `${format}: the connection is reset, not ended`);
          assert.ok(response.text.split('\n').length > EXPORT_PAGE_SIZE / 2, `${format}: the first page was sent (${response.text.length} characters)`);
          assert.ok(!response.text.endsWith('\n') && !response.text.endsWith('\r'), `${format}: cut short, without its final line end: ${JSON.stringify(response.text.slice(-40))}`);
        }
      });
    } finally {
      database.prepare(`DELETE FROM grants WHERE id LIKE ?`).run(`${source.id}_copy_%`);
    }
  });
});
