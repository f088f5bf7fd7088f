/**
 * An independent reference for the revenue tests: the money of the first `left`
 * of `credits` credits bought for `price`, counting the rounding thresholds
 * passed instead of dividing. The j-th minor unit (1..price) is reached when
 * left passes (2j − 1) × credits / (2 × price); exactly on it, half to even takes
 * j only when j is even. O(price): tests keep prices small. Imports nothing.
 */
export function referenceMoney(price: bigint, credits: bigint, left: bigint): bigint {
  const clamped = left > credits ? credits : left;
  let money = 0n;
  for (let j = 1n; j <= price; j++) {
    const doubled = 2n * price * clamped;
    const threshold = (2n * j - 1n) * credits;
    if (doubled > threshold || (doubled === threshold && j % 2n === 0n)) money++;
  }
  return money;
}
