import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createApiKey } from '../../src/app/api-keys.ts';
import { getBalance } from '../../src/app/balances.ts';
import { createGrant } from '../../src/app/grants.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { exactDecimal } from '../support/exact-decimal.ts';
import { insertThroughStore, seedLedger, type SeededLedger } from '../support/ledger-seed.ts';
import { runCli } from '../support/serve-process.ts';

/** `creditbook export`: the same rows as the API, from the configured database, to stdout or a file written whole. */
describe('creditbook export', () => {
  let directory: string;
  let database: string;
  let seeded: SeededLedger;
  let testCustomer: string;
  const balances = new Map<string, string>();
  const window = ['--from', '2025-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'];

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'creditbook-cli-export-'));
    database = join(directory, 'export.db');
    const store = new SqliteStore(database);
    await store.migrate();
    const start = Date.UTC(2025, 0, 2);
    const dependencies = composeDependencies(store, { clock: { now: () => start } });
    await createApiKey(dependencies, 'live');
    await createApiKey(dependencies, 'test');
    const environments = await store.read((repository) => repository.accounts.listEnvironments());
    const live = { environment: environments.find((environment) => environment.mode === 'live')!, requestId: 'seed' };
    const test = { environment: environments.find((environment) => environment.mode === 'test')!, requestId: 'seed' };
    seeded = await seedLedger(dependencies, live, { wallets: 3, debitsPerWallet: 700, start, insert: insertThroughStore(store) });
    for (const customerId of seeded.customerIds) balances.set(customerId, formatAmount((await getBalance(dependencies, live, { customerId, unit: seeded.unit })).balance.net));
    const testSeed = await seedLedger(dependencies, test, { wallets: 1, debitsPerWallet: 0, start, insert: insertThroughStore(store) });
    assert.equal(testSeed.entries, 1);
    testCustomer = testSeed.customerIds[0]!;
    await createGrant(dependencies, { context: test, input: { customerId: testCustomer, unit: testSeed.unit, amount: '5' }, present: () => ({ status: 201, body: {} }) });
    await store.close();
  });

  after(() => rmSync(directory, { recursive: true, force: true }));

  it('streams the live ledger to stdout as CSV; its rows sum to the balances', () => {
    const result = runCli(['export', 'ledger', '--db', database, ...window]);
    assert.equal(result.status, 0, result.stderr);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, seeded.entries);
    for (const [customerId, balance] of balances) {
      const sum = rows.filter((row) => row.customerId === customerId).reduce((total, row) => total + exactDecimal(row.amount!), 0n);
      assert.equal(sum, exactDecimal(balance), `${customerId}: the exported amounts sum to the balance ${balance}`);
    }
  });

  it('writes JSON lines to --out whole, with the same rows, and says where on stderr', () => {
    const out = join(directory, 'ledger.jsonl');
    const result = runCli(['export', 'ledger', '--db', database, ...window, '--format', 'jsonl', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '', 'nothing on stdout');
    assert.match(result.stderr, /Wrote the ledger export of env_default_live to .*ledger\.jsonl/);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    const csv = parse(runCli(['export', 'ledger', '--db', database, ...window]).stdout, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(lines.map((line) => [line.id, line.amount]), csv.map((row) => [row.id, row.amount]));
    assert.ok(!readdirSync(directory).some((name) => name.endsWith('.partial')), 'no partial file is left');
  });

  it('--env test and --customer choose the rows; grants and usage export too', () => {
    const test = parse(runCli(['export', 'ledger', '--db', database, ...window, '--env', 'test']).stdout, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(test.map((row) => [row.customerId, row.type]), [[testCustomer, 'grant'], [testCustomer, 'grant']], 'the test environment: its two grants');
    assert.ok(test.every((row) => row.amount === '10000000' || row.amount === '5'));
    const one = parse(runCli(['export', 'ledger', '--db', database, ...window, '--customer', seeded.customerIds[1]!]).stdout, { columns: true }) as Array<Record<string, string>>;
    assert.equal(one.length, 701);
    assert.ok(one.every((row) => row.customerId === seeded.customerIds[1]));
    const grants = parse(runCli(['export', 'grants', '--db', database, ...window]).stdout, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(grants.map((row) => row.customerId).sort(), seeded.customerIds);
    const usage = runCli(['export', 'usage', '--db', database, ...window, '--format', 'jsonl']);
    assert.equal(usage.status, 0, usage.stderr);
    assert.equal(usage.stdout, '', 'no usage events: nothing');
  });

  it('refuses bad input with exit 1 and a message, writing nothing', () => {
    const out = join(directory, 'refused.csv');
    const cases: Array<[string[], RegExp]> = [
      [['export', 'ledger', '--from', '2025-02-30T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], /'from' is not a real date/],
      [['export', 'ledger', '--from', '2026-01-01T00:00:00Z', '--to', '2025-01-01T00:00:00Z'], /to must be later than from/],
      [['export', 'ledger', '--from', '2025-01-01T00:00:00Z'], /needs --to/],
      [['export', 'payouts', ...window], /No export 'payouts'; exports are ledger, grants, usage/],
      [['export', 'ledger', ...window, '--format', 'xml'], /--format must be one of csv, jsonl/],
      [['export', 'ledger', ...window, '--customer', 'cus_nobody'], /No customer with id 'cus_nobody'/],
      [['export', 'ledger', ...window, '--env', 'env_nowhere'], /No environment with id 'env_nowhere'/],
    ];
    for (const [args, message] of cases) {
      const result = runCli([...args, '--db', database, '--out', out]);
      assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.equal(existsSync(out) || existsSync(`${out}.partial`), false, `${args.join(' ')} wrote no file`);
    }
  });
});
