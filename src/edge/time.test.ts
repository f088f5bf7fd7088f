import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreditbookError } from '../domain/errors.ts';
import { parseTimestamp, toOptionalTimestamp, toTimestamp } from './time.ts';

describe('toTimestamp', () => {
  it('formats exactly as toISOString, also when asked again (remembered) and past the remembered bound', () => {
    const instants = [0, 1, 999, 1_764_900_000_123, -1, 8.64e15, -62_198_755_200_000];
    for (let round = 0; round < 2; round += 1) {
      for (const instant of instants) assert.equal(toTimestamp(instant), new Date(instant).toISOString());
    }
    // More distinct instants than are remembered: every one is still formatted right.
    for (let instant = 1_764_900_000_000; instant < 1_764_900_000_000 + 10_000; instant += 1) {
      assert.equal(toTimestamp(instant), new Date(instant).toISOString());
    }
    assert.equal(toTimestamp(instants[3]!), '2025-12-05T02:00:00.123Z');
  });

  it('refuses an instant no date holds, as toISOString does, and keeps null as null', () => {
    assert.throws(() => toTimestamp(8.64e15 + 1), RangeError);
    assert.throws(() => toTimestamp(Number.NaN), RangeError);
    assert.equal(toOptionalTimestamp(null), null);
  });
});

describe('parseTimestamp', () => {
  const refusal = (value: string) => () => parseTimestamp(value, 'at');
  const isValidationError = (error: unknown) => error instanceof CreditbookError && error.code === 'validation_error' && error.param === 'at';

  it('reads years 0000 to 9999 as written, 0–99 included (Date.UTC would read 1900–1999)', () => {
    for (const text of ['0000-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '0099-12-31T23:59:59.999Z', '1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      assert.equal(toTimestamp(parseTimestamp(text, 'at')), text);
    }
    assert.equal(toTimestamp(parseTimestamp('0004-02-29T12:00:00+02:00', 'at')), '0004-02-29T10:00:00.000Z');
  });

  it('refuses an offset that takes the instant out of years 0000–9999, which the API could not write back', () => {
    for (const text of ['9999-12-31T23:59:59.999-23:59', '9999-12-31T23:00:00-01:00', '0000-01-01T00:00:00+00:01']) {
      assert.throws(refusal(text), (error) => isValidationError(error) && /0000-01-01T00:00:00.000Z and 9999-12-31/.test((error as Error).message), text);
    }
    assert.equal(toTimestamp(parseTimestamp('9999-12-31T22:59:59.999-01:00', 'at')), '9999-12-31T23:59:59.999Z');
  });

  it('still refuses impossible dates in any year', () => {
    for (const text of ['0001-02-29T00:00:00Z', '0100-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z']) assert.throws(refusal(text), isValidationError, text);
  });
});
