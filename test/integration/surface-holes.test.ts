import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startAllSurfaces, surfaces, type AllSurfaces, type Surface } from '../support/all-surfaces.ts';
import type { RawResponse } from '../support/raw-http.ts';

/**
 * Issue 10, holes 3 and 4, against the real `serve` with every surface on:
 * input that used to slip through (NUL, lone surrogates, long metadata keys,
 * forged cursors, very deep JSON, a wrong Content-Length) and the per-key rate
 * limit on every port and mount. Text and cursors reach the store, so those run
 * on SQLite and PostgreSQL.
 */

/** Each surface's error shape: its status and where its message is. */
function errorMessage(surface: Surface, response: RawResponse): string {
  const body = response.body;
  assert.ok(body && typeof body === 'object', `${surface}: a JSON error body, got ${response.text}`);
  if (surface === 'native' || surface === 'stripe') return body.error.message;
  return String(body.message);
}

function expectRefused(surface: Surface, response: RawResponse, status: number, message: RegExp): void {
  assert.equal(response.status, status, `${surface}: expected ${status}, got ${response.status} ${response.text}`);
  assert.match(errorMessage(surface, response), message, `${surface}: ${response.text}`);
  if (surface === 'chargebee') assert.equal(response.body.http_status_code, status);
  if (surface === 'native') assert.equal(response.body.error.requestId, response.headers.get('request-id'));
}

const NUL = '\u0000';
/** A JSON text holding an unpaired high surrogate, as JSON.stringify would never write it. */
const LONE_SURROGATE_JSON = (field: string) => `{"${field}":"a\\ud800b"}`;

/** A write on each surface whose body carries `text` in a string. */
const writeWithText: Record<Surface, (text: string) => { method: string; path: string; body?: unknown; form?: string }> = {
  native: (text) => ({ method: 'POST', path: '/v1/customers', body: { name: text } }),
  stripe: (text) => ({ method: 'POST', path: '/v1/customers', form: `name=${encodeURIComponent(text)}` }),
  chargebee: (text) => ({ method: 'POST', path: '/api/v2/promotional_grants', body: { subscription_id: text, unit_id: 'credits', amount: '1' } }),
  stigg: (text) => ({ method: 'POST', path: '/api/v1/credits/custom-currencies', body: { currencyId: 'credits', displayName: text } }),
  paygentic: (text) => ({ method: 'POST', path: '/v1/entitlements/ent_1/grants', body: { amount: 1, idempotencyKey: text } }),
};

for (const store of ['sqlite', 'postgres'] as const) {
  describe(`bad input is refused on every surface [${store}]`, () => {
    let served: AllSurfaces;

    before(async () => {
      served = await startAllSurfaces({ store });
    });

    after(async () => {
      await served?.stop();
    });

    it('a NUL character anywhere in a body, path or query is a 400 in the surface’s own shape', async () => {
      for (const surface of surfaces) {
        const response = await served.send(surface, writeWithText[surface](`a${NUL}b`));
        expectRefused(surface, response, 400, /NUL character/);
      }
      expectRefused('native', await served.send('native', { method: 'GET', path: '/v1/customers/a%00b' }), 400, /NUL character/);
      expectRefused('native', await served.send('native', { method: 'GET', path: '/v1/ledger-entries?customerId=a%00b' }), 400, /NUL character/);
      expectRefused('stripe', await served.send('stripe', { method: 'GET', path: '/v1/customers/cus_a%00b' }), 400, /NUL character/);
      const customers = await served.send('native', { method: 'GET', path: '/v1/customers' });
      assert.deepEqual(customers.body.data, [], 'nothing was stored');
    });

    it("a '%' in a query that escapes nothing is a 400 in the surface's own shape, naming the parameter", async () => {
      const reads: Record<Surface, { path: string; param: string }> = {
        native: { path: '/v1/grants?customerId=%ZZ', param: 'customerId' },
        stripe: { path: '/v1/billing/credit_grants?customer=%ZZ', param: 'customer' },
        chargebee: { path: '/api/v2/credit_units?limit=%ZZ', param: 'limit' },
        stigg: { path: '/api/v1/credits/grants?customerId=%ZZ&currencyId=credits', param: 'customerId' },
        paygentic: { path: '/v1/entitlements/ent_1/grants?limit=%ZZ', param: 'limit' },
      };
      for (const surface of surfaces) {
        const { path, param } = reads[surface];
        const response = await served.send(surface, { method: 'GET', path });
        expectRefused(surface, response, 400, new RegExp(`'${param}' holds '%ZZ', which is not a percent escape`));
        if (surface === 'native' || surface === 'stripe') assert.equal(response.body.error.param, param);
        if (surface === 'chargebee') assert.equal(response.body.param, param);
      }
    });

    it('an unpaired surrogate in a JSON string is a 400 on every JSON surface, and nothing is stored', async () => {
      const fields: Partial<Record<Surface, { path: string; field: string }>> = {
        native: { path: '/v1/customers', field: 'name' },
        chargebee: { path: '/api/v2/promotional_grants', field: 'subscription_id' },
        stigg: { path: '/api/v1/credits/custom-currencies', field: 'displayName' },
        paygentic: { path: '/v1/entitlements/ent_1/grants', field: 'idempotencyKey' },
      };
      for (const [surface, { path, field }] of Object.entries(fields) as Array<[Surface, { path: string; field: string }]>) {
        const response = await served.send(surface, { method: 'POST', path, body: LONE_SURROGATE_JSON(field) });
        expectRefused(surface, response, 400, /unpaired UTF-16 surrogate/);
      }
      assert.deepEqual((await served.send('native', { method: 'GET', path: '/v1/customers' })).body.data, []);
    });

    it('a metadata key longer than 40 characters is refused natively and through Stigg; 40 is accepted', async () => {
      const long = 'k'.repeat(41);
      expectRefused('native', await served.send('native', { method: 'POST', path: '/v1/customers', body: { metadata: { [long]: 'v' } } }), 400, /at most 40 characters/);
      assert.equal((await served.send('native', { method: 'POST', path: '/v1/customers', body: { id: 'meta_ok', metadata: { ['k'.repeat(40)]: 'v' } } })).status, 201);
      assert.equal((await served.send('native', { method: 'POST', path: '/v1/units', body: { code: 'credits', scale: 2 } })).status, 201);
      const grant = (metadata: Record<string, string>) =>
        served.send('stigg', {
          method: 'POST',
          path: '/api/v1/credits/grants',
          body: { displayName: 'promo', amount: 5, grantType: 'PROMOTIONAL', customerId: 'meta_ok', currencyId: 'credits', metadata },
        });
      expectRefused('stigg', await grant({ [long]: 'v' }), 400, /at most 40 characters/);
      const accepted = await grant({ plan: 'pro' });
      assert.ok(accepted.status === 200 || accepted.status === 201, accepted.text);
      const grants = await served.send('native', { method: 'GET', path: '/v1/grants?customerId=meta_ok' });
      assert.equal(grants.body.data.length, 1, 'only the grant with short keys was stored');
    });

    it('a forged Chargebee offset is a 400 on every list, whatever it decodes to', async () => {
      const offset = (state: unknown) => Buffer.from(JSON.stringify(state)).toString('base64url');
      const lists: Array<{ path: string; list: string; forged: Array<Record<string, unknown>> }> = [
        {
          path: '/api/v2/ledger_account_balances?subscription_id[is]=sub_1',
          list: 'ledger_account_balances:sub_1:',
          forged: [{ skip: -1 }, { skip: 1.5 }, { skip: '2' }, { skip: 1e12 }],
        },
        { path: '/api/v2/grant_blocks?subscription_id[is]=sub_1', list: 'grant_blocks:sub_1::desc', forged: [{ after: { id: 1 } }, { after: 7 }, { after: '' }] },
        { path: '/api/v2/credit_units', list: 'credit_units', forged: [{ after: ['x'] }, { after: null }] },
        {
          path: '/api/v2/ledger_operations?subscription_id[is]=sub_1',
          list: 'ledger_operations:sub_1::desc',
          forged: [{ after: { id: 1 }, overdraft: {} }, { after: null, overdraft: { wal_1: 'lots' } }, { after: null }],
        },
      ];
      for (const { path, list, forged } of lists) {
        for (const state of forged) {
          const response = await served.send('chargebee', { method: 'GET', path: `${path}${path.includes('?') ? '&' : '?'}offset=${offset({ list, ...state })}` });
          expectRefused('chargebee', response, 400, /offset/);
          assert.equal(response.body.param, 'offset');
        }
      }
    });

    it('very deep JSON is a 400 with a plain message on every JSON surface', async () => {
      const deep = `{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      for (const surface of ['native', 'chargebee', 'stigg', 'paygentic'] as const) {
        const { path } = writeWithText[surface]('x');
        const response = await served.send(surface, { method: 'POST', path, body: deep });
        expectRefused(surface, response, 400, /nests objects or arrays more than 64 levels deep/);
        assert.doesNotMatch(response.text, /call stack/i);
      }
    });

    it('a wrong Content-Length is answered in the surface’s error shape, not the framework’s', async () => {
      for (const surface of ['native', 'stripe', 'chargebee'] as const) {
        const address = new URL(served.url(surface));
        const text = await rawExchange(
          Number(address.port),
          `POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{"a":1}`,
        );
        const [head, body = ''] = text.split('\r\n\r\n');
        assert.match(head!, /^HTTP\/1\.1 400 /, `${surface}: ${text}`);
        const parsed = JSON.parse(body);
        assert.doesNotMatch(body, /"Client Error"/);
        const message = surface === 'native' || surface === 'stripe' ? parsed.error.message : parsed.message;
        assert.equal(message, 'The Content-Length header is not valid for this request.', `${surface}: ${body}`);
        if (surface === 'native') assert.match(parsed.error.requestId, /^req_/);
      }
      // A body shorter than its Content-Length, then the client stops sending.
      const native = new URL(served.url('native'));
      const cut = await rawExchange(
        Number(native.port),
        `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${served.testKey}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"name":"x"}`,
        { halfClose: true },
      );
      assert.match(cut, /^HTTP\/1\.1 400 /, cut);
      assert.equal(JSON.parse(cut.split('\r\n\r\n')[1]!).error.message, 'The connection ended before the body reached its Content-Length.');
      assert.deepEqual((await served.send('native', { method: 'GET', path: '/v1/customers' })).body.data.filter((customer: { name: string }) => customer.name === 'x'), []);
    });
  });
}

describe('the per-key rate limit applies on every surface, each answering in its own 429 shape', () => {
  let served: AllSurfaces;

  before(async () => {
    served = await startAllSurfaces({ store: 'sqlite', args: ['--rate-limit', '2'] });
  });

  after(async () => {
    await served?.stop();
  });

  const reads: Record<Surface, string> = {
    native: '/v1/customers',
    stripe: '/v1/billing/credit_grants',
    chargebee: '/api/v2/credit_units',
    stigg: '/api/v1/credits/auto-recharge?customerId=c&currencyId=u',
    paygentic: '/v1/entitlements/ent_1',
  };

  it('past the rate a key gets 429 with Retry-After on each port and mount, and the bucket is the key’s across all of them', async () => {
    for (const surface of surfaces) {
      const key = served.createKey('test');
      const statuses: number[] = [];
      let limited: RawResponse | undefined;
      for (let attempt = 0; attempt < 6 && !limited; attempt += 1) {
        const response = await served.send(surface, { method: 'GET', path: reads[surface], key });
        statuses.push(response.status);
        if (response.status === 429) limited = response;
      }
      assert.ok(limited, `${surface} never answered 429: ${statuses.join(', ')}`);
      assert.ok(statuses.slice(0, 2).every((status) => status !== 429), `${surface}: the first two requests pass (${statuses.join(', ')})`);
      assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      expectRefused(surface, limited, 429, /Too many requests/);
      if (surface === 'stripe') assert.deepEqual([limited.body.error.type, limited.body.error.code], ['rate_limit_error', 'rate_limit']);
      if (surface === 'chargebee') assert.equal(limited.body.api_error_code, 'api_request_limit_exceeded');
      if (surface === 'stigg') assert.equal(limited.body.code, 'RateLimitExceeded');
      if (surface === 'paygentic') assert.equal(limited.body.code, 'RATE_LIMITED');
      if (surface === 'native') assert.equal(limited.body.error.code, 'rate_limited');
    }
    // One key, spent on the native port: every other surface refuses it too, until the bucket refills.
    const shared = served.createKey('test');
    await served.send('native', { method: 'GET', path: reads.native, key: shared });
    await served.send('native', { method: 'GET', path: reads.native, key: shared });
    for (const surface of ['stripe', 'chargebee', 'stigg'] as const) {
      assert.equal((await served.send(surface, { method: 'GET', path: reads[surface], key: shared })).status, 429, `${surface} shares the key's bucket`);
    }
    const other = served.createKey('test');
    assert.notEqual((await served.send('native', { method: 'GET', path: reads.native, key: other })).status, 429, 'another key has its own bucket');
  });
});

/** Sends raw bytes and reads the reply until the server closes the connection. */
function rawExchange(port: number, request: string, options: { halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(request);
      if (options.halfClose) socket.end();
    });
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no reply in time: ${reply}`)));
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}
