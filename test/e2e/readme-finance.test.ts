import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { printedBodies, readReadme, runReadmeScript } from '../support/readme-script.ts';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

/** The README's Finance example, run as written after its quick start (only the key and the port are swapped in). */
describe('README finance example', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-readme-finance-'));
  let served: ServedProcess;

  before(async () => {
    served = await startServe({ database: join(directory, 'finance.db') });
  });

  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('works as written and answers what the README says', () => {
    runReadmeScript(served, { from: '## Quick start', to: '## Tests and benchmarks' });
    const responses = printedBodies(runReadmeScript(served, { from: '## Finance', to: '## Documentation' }));
    const [note] = responses.filter((response) => response.object === 'credit_note');
    assert.deepEqual([note.credits, note.amount, note.status], ['200', '66.67', 'succeeded']);
    const [report] = responses.filter((response) => response.object === 'revenue_report');
    const money = (part: string) => report[part].money;
    assert.deepEqual(
      ['openingDeferred', 'paid', 'recognised', 'breakage', 'refunds', 'closingDeferred'].map(money),
      ['0.00', '100.00', '33.33', '0.00', '66.67', '0.00'],
    );
    assert.deepEqual([report.paid.credits, report.recognised.credits, report.refunds.credits], ['300', '100', '200']);
    assert.deepEqual(report.withoutRevenue.map((row: Record<string, string>) => [row.kind, row.granted, row.consumed, row.closing]), [['promotional', '100', '12.5', '87.5']]);
    assert.equal(report.grants.data.length, 1);
    const readme = readReadme();
    assert.ok(readme.includes('"credits":"200","amount":"66.67","status":"succeeded"'), 'the README shows the credit note as it is');
    assert.match(readme, /recognised\s+33\.33/);
    assert.match(readme, /refunds\s+66\.67/);
  });
});
