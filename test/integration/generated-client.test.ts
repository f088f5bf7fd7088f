import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createCreditbookClient } from '@creditbook/client';
import { createApiKey } from '../../src/app/api-keys.ts';
import { composeDependencies } from '../../src/cli/composition-root.ts';
import { buildServer } from '../../src/http/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { CLIENT_DIRECTORY, generateClientFiles } from '../../scripts/generate-client.ts';

it('the committed TypeScript client is generated from the OpenAPI document the server publishes now', async () => {
  const { document, types } = await generateClientFiles();
  assert.equal(readFileSync(join(CLIENT_DIRECTORY, 'openapi.json'), 'utf8'), document, 'run `npm run generate:client`');
  assert.equal(readFileSync(join(CLIENT_DIRECTORY, 'schema.d.ts'), 'utf8'), types, 'run `npm run generate:client`');
});

it('the generated client makes a grant, a debit and reads the balance', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'creditbook-client-'));
  const store = new SqliteStore(join(directory, 'client.db'));
  try {
    await store.migrate();
    const dependencies = composeDependencies(store);
    const { key } = await createApiKey(dependencies, 'test');
    const server = await buildServer({ dependencies, logger: false });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const creditbook = createCreditbookClient(address, key);
      assert.equal((await creditbook.POST('/v1/units', { body: { code: 'ai_credits', scale: 2 } })).response.status, 201);
      assert.equal((await creditbook.POST('/v1/customers', { body: { id: 'acme' } })).response.status, 201);
      const grant = await creditbook.POST('/v1/grants', { body: { customerId: 'acme', unit: 'ai_credits', amount: '100' } });
      assert.equal(grant.response.status, 201);
      const debit = await creditbook.POST('/v1/debits', { body: { customerId: 'acme', unit: 'ai_credits', amount: '12.5' } });
      assert.equal(debit.response.status, 201);
      const balance = await creditbook.GET('/v1/balances', { params: { query: { customerId: 'acme', unit: 'ai_credits' } } });
      assert.equal(balance.data!.available, '87.5');
      const refused = await creditbook.POST('/v1/debits', { body: { customerId: 'acme', unit: 'ai_credits', amount: '1000' } });
      assert.equal(refused.response.status, 402);
      assert.equal(refused.error!.error.code, 'insufficient_balance');
      // An export is a stream of CSV or JSON lines, not one JSON body: the client hands over the stream.
      const exported = await creditbook.GET('/v1/exports/ledger', { params: { query: { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', format: 'jsonl' } }, parseAs: 'stream' });
      assert.equal(exported.response.status, 200);
      const lines = (await new Response(exported.data).text()).trimEnd().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((line) => [line.type, line.amount]), [['grant', '100'], ['debit', '-12.5']]);
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
