import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServe, type ServedProcess } from '../support/serve-process.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

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
    const readme = readFileSync(README, 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Tests and benchmarks'));
    const script = [...quickStart.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!).find((block) => block.includes('curl'));
    assert.ok(script, 'the quick start has a curl block');
    const host = served.baseUrl.replace(/^http:\/\//, '');
    const runnable = script
      .replace(/export KEY=\S+/, `export KEY=${served.testKey}`)
      .replaceAll('localhost:8080', host);
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', runnable], { encoding: 'utf8' });
    const responses = output.split(/(?<=\})(?=\{)/).map((part) => JSON.parse(part));
    assert.equal(responses.length, 5);
    assert.equal(responses.find((response) => response.object === 'debit')?.amount, '12.5');
    const balance = responses.at(-1);
    assert.equal(balance.object, 'balance');
    assert.equal(balance.available, '87.5');
    assert.match(readme, /"available":"87\.5"/);
  });
});
