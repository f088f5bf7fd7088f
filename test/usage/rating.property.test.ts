import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { expectStatus, HOUR, iso, startTestApi, type Json, type TestApi } from '../support/test-api.ts';

/**
 * Rated usage against a reference model written separately from the product:
 * for random prices (versions, dimension filters, customer overrides, minimums),
 * grants (categories, priorities, appliesTo), an overdraft limit and random
 * events, the API must accept exactly the prices the model accepts, and every
 * event's price, cost, per-grant allocations, overdraft and shortfall must match
 * the model. The sum of event costs must equal what the ledger booked plus what
 * was recorded as shortfall.
 *
 * The model works on decimals as (digits, exponent) pairs and rounds with
 * ceiling division of exact fractions; it chooses a price by sorting candidates.
 */

// ---------- exact decimals for the model: value = digits / 10^places ----------
interface Decimal {
  digits: bigint;
  places: number;
}
const decimal = (text: string): Decimal => {
  const [whole = '0', fraction = ''] = text.split('.');
  return { digits: BigInt(whole + fraction), places: fraction.length };
};
const atPlaces = (value: Decimal, places: number): bigint => value.digits * 10n ** BigInt(places - value.places);
const signedAtPlaces = (value: string): bigint => (value.startsWith('-') ? -atPlaces(decimal(value.slice(1)), P) : atPlaces(decimal(value), P));
const text = (digits: bigint, places: number): string => {
  const negative = digits < 0n;
  const raw = (negative ? -digits : digits).toString().padStart(places + 1, '0');
  const whole = raw.slice(0, raw.length - places);
  const fraction = raw.slice(raw.length - places).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
};
const P = 12; // places the model computes at: finer than any amount here

// ---------- the scenario ----------
const DIMENSIONS = ['model', 'direction'] as const;
const VALUES = ['a', 'b'];

interface PriceSpec {
  filter: Record<string, string>;
  override: boolean;
  amount: string;
  per: string;
  minimum: string | null;
  offsetHours: number;
}
interface GrantSpec {
  amount: string;
  category: 'paid' | 'promotional';
  priority: number;
  appliesTo: 'all' | 'feature' | 'other';
}
interface EventSpec {
  vip: boolean;
  dimensions: Record<string, string>;
  quantity: string;
  offsetMinutes: number;
}

const filterArbitrary = fc.record({ model: fc.option(fc.constantFrom(...VALUES), { nil: undefined }), direction: fc.option(fc.constantFrom(...VALUES), { nil: undefined }) }).map(
  (filter) => Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as Record<string, string>,
);
const decimalText = (maxWhole: number, places: number) =>
  fc.tuple(fc.integer({ min: 0, max: maxWhole }), fc.integer({ min: 0, max: 10 ** places - 1 })).map(([whole, fraction]) => (places === 0 ? `${whole}` : `${whole}.${String(fraction).padStart(places, '0')}`));

const scenarioArbitrary = fc.record({
  scale: fc.integer({ min: 0, max: 4 }),
  overdraftLimit: fc.constantFrom('0', '1', '5'),
  prices: fc.array(
    fc.record({
      filter: filterArbitrary,
      override: fc.boolean(),
      amount: decimalText(3, 4),
      per: fc.constantFrom('1', '1000', '3', '0.5'),
      minimum: fc.option(fc.constantFrom('0', '1', '2'), { nil: null }),
      offsetHours: fc.constantFrom(0, 1, 2),
    }),
    { minLength: 1, maxLength: 7 },
  ),
  grants: fc.array(
    fc.record({
      amount: fc.constantFrom('1', '3', '7', '20'),
      category: fc.constantFrom('paid' as const, 'promotional' as const),
      priority: fc.integer({ min: 0, max: 2 }),
      appliesTo: fc.constantFrom('all' as const, 'feature' as const, 'other' as const),
    }),
    { maxLength: 4 },
  ),
  events: fc.array(
    fc.record({
      vip: fc.boolean(),
      dimensions: filterArbitrary,
      quantity: fc.oneof(decimalText(5000, 0), decimalText(20, 3)).filter((quantity) => decimal(quantity).digits > 0n),
      offsetMinutes: fc.integer({ min: 0, max: 179 }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

// ---------- the model ----------
const compatible = (left: Record<string, string>, right: Record<string, string>) => Object.entries(left).every(([name, value]) => !(name in right) || right[name] === value);
const sameFilter = (left: Record<string, string>, right: Record<string, string>) =>
  Object.keys(left).length === Object.keys(right).length && Object.entries(left).every(([name, value]) => right[name] === value);

/** Whether the model accepts `candidate` after `accepted`: no tie of equal size, no second version at one instant. */
function modelAccepts(accepted: PriceSpec[], candidate: PriceSpec): boolean {
  return accepted.every((price) => {
    if (price.override !== candidate.override) return true;
    if (sameFilter(price.filter, candidate.filter)) return price.offsetHours !== candidate.offsetHours;
    return Object.keys(price.filter).length !== Object.keys(candidate.filter).length || !compatible(price.filter, candidate.filter);
  });
}

function modelPrice(accepted: PriceSpec[], event: EventSpec, atHours: number): PriceSpec | undefined {
  const candidates = accepted.filter(
    (price) => price.offsetHours <= atHours && (!price.override || event.vip) && Object.entries(price.filter).every(([name, value]) => event.dimensions[name] === value),
  );
  const score = (price: PriceSpec) => [price.override ? 1 : 0, Object.keys(price.filter).length, price.offsetHours];
  candidates.sort((left, right) => {
    const [a, b] = [score(left), score(right)];
    return b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!;
  });
  return candidates[0];
}

/** ceil(quantity × amount / per) at the unit's scale, at least the minimum; as digits at P places. */
function modelCost(price: PriceSpec, quantity: string, scale: number): bigint {
  const numerator = atPlaces(decimal(quantity), P) * atPlaces(decimal(price.amount), P) * 10n ** BigInt(scale);
  const denominator = atPlaces(decimal(price.per), P) * 10n ** BigInt(P);
  const units = numerator / denominator + (numerator % denominator === 0n ? 0n : 1n);
  const cost = units * 10n ** BigInt(P - scale);
  const minimum = price.minimum === null ? 0n : atPlaces(decimal(price.minimum), P);
  return cost > minimum ? cost : minimum;
}

interface ModelGrant {
  id: string;
  spec: GrantSpec;
  ordinal: number;
  left: bigint;
}

function modelBook(grants: ModelGrant[], wallet: { overdraft: bigint; limit: bigint }, cost: bigint) {
  const usable = grants
    .filter((grant) => grant.left > 0n && grant.spec.appliesTo !== 'other')
    .sort((left, right) => left.spec.priority - right.spec.priority || (left.spec.category === right.spec.category ? 0 : left.spec.category === 'promotional' ? -1 : 1) || left.ordinal - right.ordinal);
  let remaining = cost;
  const allocations: Array<[string, bigint]> = [];
  for (const grant of usable) {
    if (remaining === 0n) break;
    const part = grant.left < remaining ? grant.left : remaining;
    grant.left -= part;
    remaining -= part;
    allocations.push([grant.id, part]);
  }
  const room = wallet.limit - wallet.overdraft;
  const overdrawn = remaining < room ? remaining : room;
  wallet.overdraft += overdrawn;
  return { allocations, overdrawn, shortfall: remaining - overdrawn };
}

describe('rated usage against a reference model (property)', () => {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api.close();
  });

  it('prices accepted, event prices, costs, allocations, overdraft and shortfall match the model; costs tie to the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const base = await api.now();
        const unit = expectStatus(await api.post('/v1/units', { code: api.unique('u'), scale: scenario.scale }), 201).code;
        const regular = expectStatus(await api.post('/v1/customers', {}), 201).id;
        const vip = expectStatus(await api.post('/v1/customers', {}), 201).id;
        const feature = api.unique('f');
        expectStatus(await api.post('/v1/features', { key: feature, dimensions: [...DIMENSIONS], quantityScale: 3 }), 201);

        const accepted: PriceSpec[] = [];
        const priceIds = new Map<PriceSpec, string>();
        for (const spec of scenario.prices) {
          const response = await api.post('/v1/prices', {
            feature,
            unit,
            amount: spec.amount,
            per: spec.per,
            dimensions: spec.filter,
            ...(spec.override ? { customerId: vip } : {}),
            ...(spec.minimum !== null ? { minimum: spec.minimum } : {}),
            effectiveAt: iso(base + spec.offsetHours * HOUR),
          });
          const expected = modelAccepts(accepted, spec);
          assert.equal(response.status, expected ? 201 : 409, `price ${JSON.stringify(spec)}: ${response.text}`);
          if (expected) {
            accepted.push(spec);
            priceIds.set(spec, response.body.id);
          }
        }

        const models = new Map<string, { grants: ModelGrant[]; wallet: { overdraft: bigint; limit: bigint } }>();
        for (const customerId of [regular, vip]) {
          expectStatus(await api.post('/v1/wallets', { customerId, unit, overdraftLimit: scenario.overdraftLimit }), 200);
          const grants: ModelGrant[] = [];
          for (const [ordinal, spec] of scenario.grants.entries()) {
            const appliesTo = spec.appliesTo === 'all' ? [] : spec.appliesTo === 'feature' ? [feature] : ['other'];
            const grant = await api.grant({ customerId, unit, amount: spec.amount, category: spec.category, priority: spec.priority, appliesTo });
            grants.push({ id: grant.id, spec, ordinal, left: atPlaces(decimal(spec.amount), P) });
          }
          models.set(customerId, { grants, wallet: { overdraft: 0n, limit: atPlaces(decimal(scenario.overdraftLimit), P) } });
        }

        await api.advanceClock(base + 3 * HOUR);
        let totalCost = 0n;
        const charged = new Map<string, bigint>([[regular, 0n], [vip, 0n]]);
        for (const spec of scenario.events) {
          const customerId = spec.vip ? vip : regular;
          const at = base + spec.offsetMinutes * 60_000;
          const response = await api.post('/v1/usage-events', { id: api.unique('e'), customerId, feature, quantity: spec.quantity, dimensions: spec.dimensions, timestamp: iso(at) });
          const price = modelPrice(accepted, spec, Math.floor(spec.offsetMinutes / 60));
          if (!price) {
            assert.equal(response.status, 404, `no price expected: ${response.text}`);
            continue;
          }
          assert.equal(response.status, 201, response.text);
          const event = response.body;
          const cost = modelCost(price, spec.quantity, scenario.scale);
          const model = models.get(customerId)!;
          const booked = modelBook(model.grants, model.wallet, cost);
          assert.equal(event.price.id, priceIds.get(price));
          assert.equal(event.cost, text(cost, P));
          assert.deepEqual(
            event.allocations.map((allocation: Json) => [allocation.grantId, allocation.amount]),
            booked.allocations.map(([grantId, amount]) => [grantId, text(amount, P)]),
          );
          assert.equal(event.overdrawn, text(booked.overdrawn, P));
          assert.equal(event.shortfall, text(booked.shortfall, P));
          totalCost += cost;
          charged.set(customerId, charged.get(customerId)! + cost - booked.shortfall);
        }

        let ledgerConsumption = 0n;
        let shortfalls = 0n;
        for (const customerId of [regular, vip]) {
          const entries = expectStatus(await api.get(`/v1/ledger-entries?customerId=${customerId}&unit=${unit}&limit=100`), 200).data as Json[];
          const consumed = entries
            .filter((entry) => entry.type === 'debit' || entry.type === 'overdraft')
            .reduce<bigint>((sum, entry) => sum - signedAtPlaces(entry.amount), 0n);
          assert.equal(consumed, charged.get(customerId), 'what the ledger booked for usage is what the events were charged');
          ledgerConsumption += consumed;
          const report = expectStatus(await api.get(`/v1/usage?${new URLSearchParams({ customerId, from: iso(base), to: iso(base + 3 * HOUR) })}`), 200);
          shortfalls += report.data.reduce((sum: bigint, row: Json) => sum + atPlaces(decimal(row.shortfall), P), 0n);
          assert.equal(report.data.reduce((sum: bigint, row: Json) => sum + atPlaces(decimal(row.charged), P), 0n), consumed, 'the report ties to the ledger');
        }
        assert.equal(ledgerConsumption + shortfalls, totalCost, 'Σ event costs = ledger consumption + shortfall');
      }),
      { numRuns: process.env.CI ? 40 : 25, includeErrorInReport: true },
    );
  });
});
