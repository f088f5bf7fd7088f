import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { printedBodies, readReadme, runReadmeScript } from '../support/readme-script.ts';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

/** The README's quick start, run as written (only the key and the port are swapped in). */
describe('README quick start', () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-readme-'));
  let served: ServedProcess;

  before(async () => {
    served = await startServe({ database: join(directory, 'quick-start.db') });
  });

  after(async () => {
    await served?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('works as written', () => {
    const output = runReadmeScript(served, { from: '## Quick start', to: '## Tests and benchmarks' });
    const responses = printedBodies(output);
    assert.equal(responses.length, 5);
    assert.equal(responses.find((response) => response.object === 'debit')?.amount, '12.5');
    const balance = responses.at(-1);
    assert.equal(balance.object, 'balance');
    assert.equal(balance.available, '87.5');
    assert.match(readReadme(), /"available":"87\.5"/);
  });
});
