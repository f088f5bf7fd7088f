import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The README's rated-usage worked example, run as written (only the key and the port are swapped in). */
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
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('### Worked example: a model priced'), readme.indexOf('### Prices'));
    const script = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(script, 'the worked example has a bash block');
    const runnable = `export KEY=${served.testKey}\n${script.replaceAll('localhost:8080', served.baseUrl.replace(/^http:\/\//, ''))}`;
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', runnable], { encoding: 'utf8' });
    const responses = output
      .split(/(?<=\})\n?(?=\{)/)
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => JSON.parse(part));
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
    for (const claim of ['"cost":"12","available":"43"', 'costs `18.4`', '`36.6`', '`3.09`', '"available":"33.51"']) assert.ok(readme.includes(claim), `README says ${claim}`);
  });
});
