import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { boundary, formatPeriod, nextBoundaryAfter, parsePeriod, periodAt } from './periods.ts';

const utc = (text: string) => Date.parse(text);
const iso = (instant: number) => new Date(instant).toISOString();

describe('periods', () => {
  it('parses one-unit ISO 8601 durations and rejects the rest', () => {
    assert.deepEqual(parsePeriod('P1M'), { unit: 'month', count: 1 });
    assert.deepEqual(parsePeriod('P2W'), { unit: 'week', count: 2 });
    assert.equal(formatPeriod(parsePeriod('P3D')), 'P3D');
    for (const bad of ['P0M', 'PT1H', 'P1M1D', '1M', 'P1.5M', 'p1m', '']) assert.throws(() => parsePeriod(bad), /ISO 8601/);
  });

  it('takes periods of up to 100 years in any unit, and refuses longer ones', () => {
    for (const text of ['P100Y', 'P1200M', 'P5217W', 'P9999D']) assert.equal(formatPeriod(parsePeriod(text)), text);
    for (const bad of ['P101Y', 'P9999Y', 'P1201M', 'P5218W']) assert.throws(() => parsePeriod(bad, 'usagePeriod'), (error: Error & { param?: string }) => error.param === 'usagePeriod' && /at most 100 years/.test(error.message), bad);
  });

  it('keeps month ends: Jan 31 → Feb 28/29 → Mar 31 → Apr 30', () => {
    const monthly = parsePeriod('P1M');
    const anchor = utc('2027-01-31T10:15:00.000Z');
    assert.deepEqual([0, 1, 2, 3].map((index) => iso(boundary(anchor, monthly, index))), [
      '2027-01-31T10:15:00.000Z',
      '2027-02-28T10:15:00.000Z',
      '2027-03-31T10:15:00.000Z',
      '2027-04-30T10:15:00.000Z',
    ]);
    const leap = utc('2028-01-31T00:00:00.000Z');
    assert.equal(iso(boundary(leap, monthly, 1)), '2028-02-29T00:00:00.000Z');
  });

  it('handles leap days in yearly periods', () => {
    const anchor = utc('2028-02-29T00:00:00.000Z');
    const yearly = parsePeriod('P1Y');
    assert.equal(iso(boundary(anchor, yearly, 1)), '2029-02-28T00:00:00.000Z');
    assert.equal(iso(boundary(anchor, yearly, 4)), '2032-02-29T00:00:00.000Z');
  });

  it('is UTC only: a boundary across a DST change is exactly 24 hours per day', () => {
    // 2027-03-14 and 2027-11-07 are DST changes in America/New_York; 2027-03-28 in Europe.
    const daily = parsePeriod('P1D');
    for (const day of ['2027-03-13T12:00:00.000Z', '2027-03-27T12:00:00.000Z', '2027-11-06T12:00:00.000Z']) {
      assert.equal(boundary(utc(day), daily, 1) - utc(day), 86_400_000);
    }
    const monthly = parsePeriod('P1M');
    assert.equal(iso(boundary(utc('2027-03-01T01:30:00.000Z'), monthly, 1)), '2027-04-01T01:30:00.000Z');
  });

  it('finds the period containing any instant (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom('P1D', 'P3D', 'P1W', 'P1M', 'P2M', 'P1Y'),
        fc.integer({ min: 0, max: 5_000 * 86_400_000 }),
        (anchor, periodText, offset) => {
          const period = parsePeriod(periodText);
          const at = anchor + offset;
          const window = periodAt(anchor, period, at)!;
          assert.ok(window.start <= at && at < window.end);
          assert.equal(window.start, boundary(anchor, period, window.index));
          assert.equal(window.end, boundary(anchor, period, window.index + 1));
          assert.equal(nextBoundaryAfter(anchor, period, at), window.end);
        },
      ),
      { numRuns: 500 },
    );
    assert.equal(periodAt(1000, parsePeriod('P1D'), 999), null);
  });
});
