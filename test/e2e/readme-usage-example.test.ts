import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docsPath, printedBodies, readReadme, runReadmeScript } from '../support/readme-script.ts';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

/** The rated-usage worked example (docs/rated-usage.md, linked from the README), run as written (only the key and the port are swapped in). */
const RATED_USAGE = docsPath('rated-usage.md');

describe('README rated-usage example', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-readme-usage-'));
  let served: ServedProcess;

  before(async () => {
    served = await startServe({ database: join(directory, 'usage-example.db') });
  });

  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('works as written and answers what the README says', () => {
    const responses = printedBodies(runReadmeScript(served, { from: '## Worked example: a model priced', to: '## Prices' }, RATED_USAGE));
    const ofType = (object: string) => responses.filter((response) => response.object === object);
    const [check] = ofType('entitlement_check');
    assert.deepEqual([check.allowed, check.cost, check.available, check.reason], [true, '12', '43', 'ok']);
    assert.match(check.reservationId, /^hld_/);
    const [output1, input1] = ofType('usage_event');
    assert.deepEqual([output1.cost, output1.balanceAfter.available, output1.reservationId], ['18.4', '36.6', check.reservationId]);
    assert.deepEqual(output1.allocations.map((allocation: { amount: string }) => allocation.amount), ['5', '13.4']);
    assert.equal(input1.cost, '3.09');
    const [report] = ofType('usage_report');
    assert.deepEqual(report.data.map((row: Record<string, string>) => [row.group, row.quantity, row.cost]), [
      ['input', '1234', '3.09'],
      ['output', '1840', '18.4'],
    ]);
    assert.equal(ofType('balance')[0].available, '33.51');
    const readme = readReadme(RATED_USAGE);
    for (const claim of ['"cost":"12","available":"43"', 'costs `18.4`', '`36.6`', '`3.09`', '"available":"33.51"']) assert.ok(readme.includes(claim), `docs/rated-usage.md says ${claim}`);
  });
});
