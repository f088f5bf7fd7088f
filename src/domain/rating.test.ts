import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmount } from './amount.ts';
import { checkDimensions, checkQuantity, costOf, priceConflict, selectPrice, type PriceDefinition } from './rating.ts';
import { credits, DAY, T0 } from './test-builders.ts';

function price(overrides: Partial<PriceDefinition> & { id: string }): PriceDefinition {
  return { feature: 'tokens', unit: 'credits', amount: credits('1'), per: credits('1'), dimensions: {}, customerId: null, minimum: null, effectiveAt: T0, ...overrides };
}

const usage = (overrides: Partial<Parameters<typeof selectPrice>[1]> = {}) => ({
  customerId: 'acme',
  feature: 'tokens',
  quantity: credits('1'),
  dimensions: {},
  at: T0 + DAY,
  ...overrides,
});

describe('costOf', () => {
  it('rounds up to the unit scale, never under-charging, and stays exact when the cost is exact', () => {
    const perThousand = { amount: credits('0.15'), per: credits('1000'), minimum: null };
    assert.equal(formatAmount(costOf(perThousand, credits('1840'), 2)), '0.28'); // 0.276 → 0.28
    assert.equal(formatAmount(costOf(perThousand, credits('2000'), 2)), '0.3');
    assert.equal(formatAmount(costOf(perThousand, credits('1'), 2)), '0.01'); // 0.00015 → 0.01
    assert.equal(formatAmount(costOf(perThousand, credits('1'), 10)), '0.00015');
    assert.equal(formatAmount(costOf({ amount: credits('1'), per: credits('3'), minimum: null }, credits('1'), 0)), '1');
  });

  it('raises the cost to the minimum, and a free price costs nothing', () => {
    assert.equal(formatAmount(costOf({ amount: credits('0.01'), per: credits('1'), minimum: credits('0.5') }, credits('2'), 2)), '0.5');
    assert.equal(formatAmount(costOf({ amount: credits('0.01'), per: credits('1'), minimum: credits('0.5') }, credits('80'), 2)), '0.8');
    assert.equal(costOf({ amount: 0n, per: credits('1'), minimum: null }, credits('5'), 2), 0n);
  });
});

describe('selectPrice', () => {
  const list = price({ id: 'list' });
  const model = price({ id: 'model', dimensions: { model: 'gpt-4o' } });
  const modelOutput = price({ id: 'model-output', dimensions: { model: 'gpt-4o', direction: 'output' } });
  const listV2 = price({ id: 'list-v2', effectiveAt: T0 + 2 * DAY });
  const override = price({ id: 'override', customerId: 'acme', amount: credits('0.5') });

  it('chooses the most specific matching filter', () => {
    const prices = [list, model, modelOutput];
    assert.equal(selectPrice(prices, usage())?.id, 'list');
    assert.equal(selectPrice(prices, usage({ dimensions: { model: 'gpt-4o' } }))?.id, 'model');
    assert.equal(selectPrice(prices, usage({ dimensions: { model: 'gpt-4o', direction: 'output' } }))?.id, 'model-output');
    assert.equal(selectPrice(prices, usage({ dimensions: { model: 'gpt-4o-mini', direction: 'output' } }))?.id, 'list');
  });

  it('uses the version in effect at the usage instant', () => {
    assert.equal(selectPrice([list, listV2], usage({ at: T0 + 2 * DAY - 1 }))?.id, 'list');
    assert.equal(selectPrice([list, listV2], usage({ at: T0 + 2 * DAY }))?.id, 'list-v2');
    assert.equal(selectPrice([listV2], usage({ at: T0 }))?.id, undefined);
  });

  it("prefers the customer's override to any list price, and ignores other customers' overrides", () => {
    assert.equal(selectPrice([list, modelOutput, override], usage({ dimensions: { model: 'gpt-4o', direction: 'output' } }))?.id, 'override');
    assert.equal(selectPrice([list, override], usage({ customerId: 'other' }))?.id, 'list');
  });
});

describe('priceConflict', () => {
  it('refuses a filter that ties with another of the same size, and a second version at one instant', () => {
    const existing = [price({ id: 'a', dimensions: { model: 'gpt-4o' } })];
    const tie = priceConflict(existing, price({ id: 'b', dimensions: { direction: 'output' } }));
    assert.deepEqual([tie?.code, tie?.param], ['state_conflict', 'dimensions']);
    assert.match(String(tie?.message), /^Price 'a' filters on model=gpt-4o and this one on direction=output: an event with direction=output, model=gpt-4o matches both/);
    assert.equal(priceConflict(existing, price({ id: 'c', dimensions: { model: 'o1' } })), null, 'disjoint values never tie');
    assert.equal(priceConflict(existing, price({ id: 'd', dimensions: { model: 'gpt-4o', direction: 'output' } })), null);
    const sameInstant = priceConflict(existing, price({ id: 'e', dimensions: { model: 'gpt-4o' } }));
    assert.deepEqual([sameInstant?.code, sameInstant?.param], ['state_conflict', 'effectiveAt']);
    assert.match(String(sameInstant?.message), /same instant/);
    assert.equal(priceConflict(existing, price({ id: 'f', dimensions: { model: 'gpt-4o' }, effectiveAt: T0 + 1 })), null, 'a later version');
    assert.equal(priceConflict(existing, price({ id: 'g', dimensions: { direction: 'output' }, customerId: 'acme' })), null, 'another scope');
  });
});

describe('checks', () => {
  const feature = { key: 'tokens', dimensions: ['model'], quantityScale: 0 };
  it('refuses unknown dimensions and quantities that are not positive or too precise', () => {
    assert.throws(() => checkDimensions(feature, { region: 'eu' }), /no dimension 'region'/);
    checkDimensions(feature, { model: 'x' });
    assert.throws(() => checkQuantity(feature, credits('1.5')), /more decimal places/);
    assert.throws(() => checkQuantity(feature, credits('-1')), /greater than zero/);
    assert.throws(() => checkQuantity(feature, 0n), /greater than zero/);
    checkQuantity(feature, credits('1840'));
  });
});
