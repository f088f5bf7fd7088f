import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { getBalance } from '../../src/app/balances.ts';
import { EXPORT_PAGE_SIZE, openExport } from '../../src/app/exports.ts';
import { formatAmount } from '../../src/domain/amount.ts';
import { encodeExport } from '../../src/edge/export-encoding.ts';
import { insertThroughStore, seedLedger } from '../support/ledger-seed.ts';
import { forEachStore } from '../support/stores.ts';
import { createFixture, DAY, T0 } from './fixtures.ts';
import { exactDecimal } from '../support/exact-decimal.ts';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let whole = '';
  for await (const chunk of chunks) whole += chunk;
  return whole;
}

forEachStore('exports', (target) => {
  it('a ledger export of several pages has every entry once, in (effectiveAt, id) order, summing per wallet to the balance; other environments stay out', async () => {
    const store = await target.open();
    const fixture = await createFixture(store);
    const neighbour = await createFixture(store);
    fixture.clock.set(T0 + DAY);
    neighbour.clock.set(T0 + DAY);
    const seeded = await seedLedger(fixture.dependencies, fixture.context, { wallets: 5, debitsPerWallet: 2_000, start: T0 + DAY, insert: insertThroughStore(store) });
    await seedLedger(neighbour.dependencies, neighbour.context, { wallets: 1, debitsPerWallet: 10, start: T0 + DAY, insert: insertThroughStore(store) });
    fixture.clock.set(seeded.to + DAY);
    assert.ok(seeded.entries > 4 * EXPORT_PAGE_SIZE, 'several pages');

    const opened = await openExport(fixture.dependencies, fixture.context, 'ledger', { from: T0, to: seeded.to + 1 });
    const rows = parse(await text(encodeExport(opened, 'csv')), { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, seeded.entries);
    assert.equal(new Set(rows.map((row) => row.id)).size, rows.length, 'no row twice');
    for (let index = 1; index < rows.length; index += 1) {
      const [before, current] = [rows[index - 1]!, rows[index]!];
      assert.ok(before.effectiveAt! < current.effectiveAt! || (before.effectiveAt === current.effectiveAt && before.id! < current.id!), `row ${index} in order`);
    }
    for (const customerId of seeded.customerIds) {
      const sum = rows.filter((row) => row.customerId === customerId).reduce((total, row) => total + exactDecimal(row.amount!), 0n);
      const { balance } = await getBalance(fixture.dependencies, fixture.context, { customerId, unit: seeded.unit });
      assert.equal(sum, exactDecimal(formatAmount(balance.net)), `${customerId}: the entries sum to the balance`);
    }
    assert.ok(rows.every((row) => seeded.customerIds.includes(row.customerId!)), 'no row of another environment');

    const one = await openExport(fixture.dependencies, fixture.context, 'ledger', { from: T0, to: seeded.to + 1, customerId: seeded.customerIds[2]! });
    const lines = (await text(encodeExport(one, 'jsonl'))).trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => line.id),
      rows.filter((row) => row.customerId === seeded.customerIds[2]).map((row) => row.id),
      "a customer's export is that customer's rows, in the same order",
    );
  });
});
