/**
 * A node's webhook sends in flight, at most `capacity` (the delivery settings'
 * `concurrency`): a pass takes slots before it claims deliveries, claims no more
 * than it took, and each send gives its slot back when its outcome is recorded.
 * So memory and sockets stay bounded, and a claimed delivery is sent at once
 * (its lease starts as its send does), never queued behind other sends.
 */
export class SendSlots {
  private taken = 0;

  constructor(readonly capacity: number) {}

  /** Slots not taken. */
  get free(): number {
    return this.capacity - this.taken;
  }

  /** Takes up to `wanted` free slots; returns how many it took (0 when all are taken). */
  take(wanted: number): number {
    const count = Math.max(0, Math.min(wanted, this.free));
    this.taken += count;
    return count;
  }

  /** Gives back `count` slots taken earlier. */
  give(count = 1): void {
    this.taken = Math.max(0, this.taken - count);
  }
}
