import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { startServe } from '../support/serve-process.ts';
import { runUsageExample } from './usage-example.ts';

const EXAMPLE = fileURLToPath(new URL('./usage-example.ts', import.meta.url));

/** Type-checks files the way a user's strict project would, importing the package by its name. */
function diagnosticsOf(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true,
  });
  const byFile = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '(global)';
    byFile.set(file, [...(byFile.get(file) ?? []), ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')]);
  }
  return byFile;
}

it('the usage example compiles under strict, and misuse of the typed client does not', () => {
  // Beside the example so it resolves @creditbook/client the same way; proves the types are not `any`.
  const misuse = join(fileURLToPath(new URL('.', import.meta.url)), `.misuse-${process.pid}.ts`);
  try {
    writeFileSync(
      misuse,
      `import { createCreditbookClient, type CreditbookErrorCode } from '@creditbook/client';
const client = createCreditbookClient('http://127.0.0.1', 'key');
export const asNumber: number = (await client.GET('/v1/balances', { params: { query: { customerId: 'a', unit: 'u' } } })).data!.available;
export const limitAsText = await client.GET('/v1/debits', { params: { query: { limit: '2' } } });
export const unknownCode: CreditbookErrorCode = 'no_such_code';
`,
    );
    const diagnostics = diagnosticsOf([EXAMPLE, misuse]);
    assert.deepEqual(diagnostics.get(EXAMPLE), []);
    assert.equal(diagnostics.get(misuse)?.length, 3, String(diagnostics.get(misuse)));
  } finally {
    rmSync(misuse, { force: true });
  }
});

it('the usage example runs against the real server: typed data, a page of two, an idempotent POST, a typed error', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-client-example-'));
  const served = await startServe({ database: join(directory, 'example.db') });
  try {
    const result = await runUsageExample(served.baseUrl, served.testKey!, 'acme');
    assert.match(result.grantId, /^grt_/);
    assert.equal(result.retriedGrantId, result.grantId);
    assert.equal(result.available, '87.5');
    assert.equal(result.debitCount, 2);
    assert.equal(result.refusedWith, 'insufficient_balance');
  } finally {
    await served.stop();
    rmSync(directory, { recursive: true, force: true });
  }
});
