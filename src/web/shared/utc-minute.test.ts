import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readUtcMinute, showUtcMinute } from './utc-minute.ts';

describe('a typed UTC minute', () => {
  it('is sent as the exact ISO UTC timestamp of the minute typed, on the 24-hour clock', () => {
    assert.deepEqual(readUtcMinute('2026-03-01 17:30'), { ok: true, iso: '2026-03-01T17:30:00.000Z', minute: '2026-03-01T17:30' });
    assert.deepEqual(readUtcMinute(' 2028-02-29T00:00 '), { ok: true, iso: '2028-02-29T00:00:00.000Z', minute: '2028-02-29T00:00' });
    assert.equal(readUtcMinute('2026-12-13 23:59 UTC').ok, true, 'as the pages write times');
    assert.equal(readUtcMinute('2000-02-29 12:00').ok, true, 'a leap year every 400');
  });

  it('names an impossible date or time instead of rolling it over', () => {
    assert.deepEqual(readUtcMinute('2026-02-30 25:00'), {
      ok: false,
      problem: '2026-02-30 is not a real date (February 2026 has 28 days); 25:00 is not a 24-hour time (00:00 to 23:59)',
    });
    assert.deepEqual(readUtcMinute('2026-04-31 10:00'), { ok: false, problem: '2026-04-31 is not a real date (April 2026 has 30 days)' });
    assert.deepEqual(readUtcMinute('2026-13-01 10:00'), { ok: false, problem: '2026-13-01 is not a real date (there is no month 13)' });
    assert.deepEqual(readUtcMinute('2026-01-00 10:00'), { ok: false, problem: '2026-01-00 is not a real date (January 2026 has 31 days)' });
    assert.deepEqual(readUtcMinute('2026-01-01 12:60'), { ok: false, problem: '12:60 is not a 24-hour time (00:00 to 23:59)' });
    assert.equal(readUtcMinute('1900-02-29 12:00').ok, false, 'no leap day in a century year');
  });

  it('asks for the format when the text is not a date and time', () => {
    for (const text of ['', '03/01/2026 5:30 PM', '2026-03-01', '2026-3-1 17:30', '2026-03-01 5:30 PM']) {
      assert.deepEqual(readUtcMinute(text), { ok: false, problem: 'write it as YYYY-MM-DD HH:MM, 24-hour UTC, e.g. 2026-03-01 17:30' }, text);
    }
  });

  it('shows a URL minute or an API timestamp with a space, and anything else as it is', () => {
    assert.equal(showUtcMinute('2026-03-01T17:30'), '2026-03-01 17:30');
    assert.equal(showUtcMinute('2026-12-13T19:19:12.345Z'), '2026-12-13 19:19');
    assert.equal(showUtcMinute('yesterday'), 'yesterday');
    assert.equal(showUtcMinute(undefined), '');
  });
});
