import assert from 'node:assert/strict';

/**
 * An exact decimal string (as exports and the API write amounts) as an integer
 * of 10^-10 units, parsed here, independently of the code under test, so sums
 * of exported amounts can be compared exactly.
 */
export function exactDecimal(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,10}))?$/.exec(text);
  assert.ok(match, `an exact decimal string: ${text}`);
  const value = BigInt(match[2]!) * 10n ** 10n + BigInt((match[3] ?? '').padEnd(10, '0'));
  return match[1] ? -value : value;
}
