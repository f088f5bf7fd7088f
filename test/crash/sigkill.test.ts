import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createScratchDatabase, stopNode, type ScratchDatabase } from '../support/postgres-cluster.ts';
import { apiClient, runCli, startServe, type ServedProcess } from '../support/serve-process.ts';

/**
 * Issue 3, crash proofs: a real `serve` process takes debits from 32 concurrent
 * clients, is killed with SIGKILL mid-load, and is started again on the same
 * database. Then, read straight from the database:
 *
 * - every debit that was answered 2xx is there, with the amount it was answered with;
 * - no operation is half-written: each debit row has its ledger entries (adding
 *   up to its amount), its idempotency record and its `debit.created` event, and
 *   nothing of those exists without its debit row;
 * - debits committed but never acknowledged may exist; they are complete, and
 *   each request was booked at most once;
 * - the balance is the grant minus every debit row, and `verify` passes;
 * - retrying every unanswered request with its idempotency key replays the
 *   committed ones and books the others, once each.
 */

const UNIT = 'credits';
const INITIAL = 1_000_000n;
const AMOUNTS = ['1', '2.5', '0.25', '3.75'];
const WORKERS = 32;
/** Acknowledged debits to wait for before the kill. */
const ACKS_BEFORE_KILL = 200;

interface DebitRow {
  id: string;
  amount: string;
  metadata: string;
}
interface EntryRow {
  debitId: string | null;
  type: string;
  amount: string;
}

/** What the checks read from the database, the same for both stores. */
interface Inspector {
  debits(walletId: string): Promise<DebitRow[]>;
  entries(walletId: string): Promise<EntryRow[]>;
  idempotency(prefix: string): Promise<Array<{ key: string; body: string }>>;
  debitEvents(): Promise<string[]>;
  close(): Promise<void>;
}

interface Target {
  database: string;
  inspector(): Inspector;
  drop(): Promise<void>;
}

const SCALE = 10n ** 10n;
/** Exact decimal text (TEXT on SQLite, NUMERIC on PostgreSQL) as a bigint at scale 10. */
function scaled(text: string): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const magnitude = BigInt(match[2]!) * SCALE + BigInt((match[3] ?? '').padEnd(10, '0').slice(0, 10));
  return match[1] ? -magnitude : magnitude;
}

function sqliteTarget(): Target {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-crash-'));
  const path = join(directory, 'crash.db');
  return {
    database: path,
    inspector() {
      const database = new Database(path, { fileMustExist: true });
      database.pragma('busy_timeout = 10000');
      return {
        debits: async (walletId) => database.prepare('SELECT id, amount, metadata FROM debits WHERE wallet_id = ?').all(walletId) as DebitRow[],
        entries: async (walletId) =>
          database.prepare('SELECT debit_id AS debitId, type, amount FROM ledger_entries WHERE wallet_id = ?').all(walletId) as EntryRow[],
        idempotency: async (prefix) =>
          database.prepare("SELECT idempotency_key AS key, body FROM idempotency_keys WHERE idempotency_key LIKE ? || '%'").all(prefix) as Array<{ key: string; body: string }>,
        debitEvents: async () => (database.prepare("SELECT data FROM events WHERE type = 'debit.created'").all() as Array<{ data: string }>).map((row) => row.data),
        close: async () => {
          database.close();
        },
      };
    },
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function postgresTarget(): Promise<Target & { scratch: ScratchDatabase }> {
  const scratch = await createScratchDatabase('creditbook_crash');
  return {
    scratch,
    database: scratch.url,
    inspector: () => ({
      debits: (walletId) => scratch.query<DebitRow>('SELECT id, amount::text AS amount, metadata FROM debits WHERE wallet_id = $1', [walletId]),
      entries: (walletId) =>
        scratch.query<EntryRow>('SELECT debit_id AS "debitId", type, amount::text AS amount FROM ledger_entries WHERE wallet_id = $1', [walletId]),
      idempotency: (prefix) =>
        scratch.query<{ key: string; body: string }>("SELECT idempotency_key AS key, body FROM idempotency_keys WHERE idempotency_key LIKE $1 || '%'", [prefix]),
      debitEvents: async () => (await scratch.query<{ data: string }>("SELECT data FROM events WHERE type = 'debit.created'")).map((row) => row.data),
      close: async () => {},
    }),
    drop: () => scratch.drop(),
  };
}

type Acknowledged = { id: string; amount: string };

function crashScenario(name: string, makeTarget: () => Promise<Target>): void {
  describe(`SIGKILL mid-load loses no acknowledged debit and leaves nothing half-written [${name}]`, () => {
    let target: Target | undefined;
    const servers: ServedProcess[] = [];

    after(async () => {
      for (const server of servers) await stopNode(server);
      await target?.drop();
    });

    it('keeps every acknowledged debit, books none twice, and verifies after restart', async (context) => {
      target = await makeTarget();
      const first = await startServe({ database: target.database });
      servers.push(first);
      const key = first.testKey;
      assert.ok(key, 'the first start prints a test key');
      const setup = apiClient(first.baseUrl, key);
      assert.equal((await setup('POST', '/v1/units', { code: UNIT, scale: 2 })).status, 201);
      assert.equal((await setup('POST', '/v1/customers', { id: 'crash-customer' })).status, 201);
      const granted = await setup('POST', '/v1/grants', { customerId: 'crash-customer', unit: UNIT, amount: INITIAL.toString() });
      assert.equal(granted.status, 201);
      const walletId = granted.body.walletId as string;

      // The load: request n carries metadata {n} and idempotency key crash-n, so every row maps back to one request.
      const bodyOf = (n: number) => ({ customerId: 'crash-customer', unit: UNIT, amount: AMOUNTS[n % AMOUNTS.length]!, metadata: { n: String(n) } });
      const acknowledged = new Map<number, Acknowledged>();
      const unanswered = new Set<number>();
      let inFlight = 0;
      let inFlightAtKill = -1;
      let next = 0;
      let killed = false;
      let onEnoughAcks: () => void = () => {};
      const enoughAcks = new Promise<void>((resolve) => (onEnoughAcks = resolve));
      const worker = async () => {
        while (!killed) {
          const n = next++;
          inFlight += 1;
          try {
            const response = await setup('POST', '/v1/debits', bodyOf(n), { 'Idempotency-Key': `crash-${n}` });
            assert.equal(response.status, 201, JSON.stringify(response.body));
            acknowledged.set(n, { id: response.body.id, amount: response.body.amount });
            if (acknowledged.size >= ACKS_BEFORE_KILL) onEnoughAcks();
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            // The connection died with the server: this request may or may not have been booked.
            unanswered.add(n);
          } finally {
            inFlight -= 1;
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, worker));
      await Promise.race([enoughAcks, load]);
      inFlightAtKill = inFlight;
      first.process.kill('SIGKILL');
      await new Promise<void>((resolve) => (first.process.exitCode !== null || first.process.signalCode !== null ? resolve() : first.process.once('exit', () => resolve())));
      killed = true;
      await load;
      assert.equal(first.process.signalCode, 'SIGKILL');
      assert.ok(inFlightAtKill > 0, 'the kill came while debits were in flight');
      assert.ok(unanswered.size > 0, 'some requests were cut off by the kill');
      assert.ok(acknowledged.size >= ACKS_BEFORE_KILL);

      const second = await startServe({ database: target.database });
      servers.push(second);
      assert.equal(second.testKey, undefined, 'a restart on the same database prints no new key');
      const call = apiClient(second.baseUrl, key);

      const inspector = target.inspector();
      try {
        const debits = await inspector.debits(walletId);
        const entries = await inspector.entries(walletId);
        const idempotency = await inspector.idempotency('crash-');
        const events = (await inspector.debitEvents()).map((data) => JSON.parse(data) as { debitId: string; walletId: string }).filter((event) => event.walletId === walletId);
        const rowsById = new Map(debits.map((row) => [row.id, row]));
        const requestOf = new Map<string, number>();
        const booked = new Set<number>();
        for (const row of debits) {
          const n = Number(JSON.parse(row.metadata).n);
          assert.ok(!booked.has(n), `request ${n} was booked twice`);
          booked.add(n);
          requestOf.set(row.id, n);
          assert.equal(scaled(row.amount), scaled(AMOUNTS[n % AMOUNTS.length]!), `debit ${row.id} has the amount request ${n} asked for`);
        }

        // 1. Every acknowledged debit is in the ledger, as acknowledged.
        for (const [n, ack] of acknowledged) {
          const row = rowsById.get(ack.id);
          assert.ok(row, `acknowledged debit ${ack.id} (request ${n}) is missing after the crash`);
          assert.equal(requestOf.get(ack.id), n);
          assert.equal(scaled(row.amount), scaled(ack.amount));
        }
        // 2. Nothing half-written: entries, idempotency records and events match the debit rows one to one.
        const entryTotals = new Map<string, bigint>();
        for (const entry of entries) {
          if (entry.debitId === null) continue;
          assert.ok(rowsById.has(entry.debitId), `ledger entry for missing debit ${entry.debitId}`);
          assert.equal(entry.type, 'debit');
          entryTotals.set(entry.debitId, (entryTotals.get(entry.debitId) ?? 0n) + scaled(entry.amount));
        }
        for (const row of debits) assert.equal(entryTotals.get(row.id), -scaled(row.amount), `ledger entries of debit ${row.id} add up to its amount`);
        assert.equal(idempotency.length, debits.length, 'one idempotency record per debit');
        for (const record of idempotency) {
          const body = JSON.parse(record.body) as { id: string };
          assert.ok(rowsById.has(body.id), `idempotency record ${record.key} points at missing debit ${body.id}`);
          assert.equal(record.key, `crash-${requestOf.get(body.id)}`);
        }
        assert.deepEqual(events.map((event) => event.debitId).sort(), [...rowsById.keys()].sort(), 'one debit.created event per debit');
        // 3. Committed but unacknowledged debits may exist (they are complete, as checked above), only among the cut-off requests.
        const unacknowledged = debits.filter((row) => !acknowledged.has(requestOf.get(row.id)!));
        for (const row of unacknowledged) assert.ok(unanswered.has(requestOf.get(row.id)!), `debit ${row.id} belongs to a request that was cut off`);
        context.diagnostic(
          `${acknowledged.size} acknowledged, ${inFlightAtKill} in flight at the kill, ${unanswered.size} cut off, ${unacknowledged.length} committed without acknowledgment`,
        );
        // 4. The balance is the grant minus every debit row.
        const debited = debits.reduce((total, row) => total + scaled(row.amount), 0n);
        const balance = await call('GET', `/v1/balances?customerId=crash-customer&unit=${UNIT}`);
        assert.equal(scaled(balance.body.available), INITIAL * SCALE - debited);
        const verify = runCli(['verify', '--db', target.database]);
        assert.equal(verify.status, 0, `verify failed:\n${verify.stdout}\n${verify.stderr}`);

        // 5. Retrying every cut-off request with its key books each exactly once.
        for (const n of unanswered) {
          const retried = await call('POST', '/v1/debits', bodyOf(n), { 'Idempotency-Key': `crash-${n}` });
          assert.equal(retried.status, 201, JSON.stringify(retried.body));
          const committed = [...requestOf].find(([, request]) => request === n)?.[0];
          if (committed) {
            assert.equal(retried.body.id, committed);
            assert.equal(retried.headers.get('idempotent-replayed'), 'true');
          } else {
            assert.equal(retried.headers.get('idempotent-replayed'), null);
          }
        }
        const afterRetries = await inspector.debits(walletId);
        const requests = afterRetries.map((row) => Number(JSON.parse(row.metadata).n));
        assert.equal(new Set(requests).size, requests.length, 'no request is booked twice');
        assert.equal(afterRetries.length, acknowledged.size + unanswered.size);
        const finalDebited = afterRetries.reduce((total, row) => total + scaled(row.amount), 0n);
        const finalBalance = await call('GET', `/v1/balances?customerId=crash-customer&unit=${UNIT}`);
        assert.equal(scaled(finalBalance.body.available), INITIAL * SCALE - finalDebited);
      } finally {
        await inspector.close();
      }
    });
  });
}

crashScenario('sqlite', async () => sqliteTarget());
crashScenario('postgres', postgresTarget);
