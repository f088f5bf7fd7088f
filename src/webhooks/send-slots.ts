import type { EndpointShares } from '../store/webhook-records.ts';

/**
 * One endpoint may hold at most 1/ENDPOINT_SHARE_DIVISOR of a node's send slots
 * (4 of the default 16). A receiver that accepts the connection and never answers
 * holds each send it gets for the whole timeout; with no share, 16 of its due
 * deliveries would take every slot and every other endpoint's events would wait
 * that long. A quarter leaves the other three quarters to the rest. The price: a
 * healthy endpoint alone has at most 4 sends in flight on a node, not 16, and four
 * hanging endpoints at once still take every slot (others then wait at most the
 * timeout, as before).
 */
export const ENDPOINT_SHARE_DIVISOR = 4;

/** How many sends in flight one endpoint may have on a node with `capacity` slots: at least 1. */
export function sendsPerEndpoint(capacity: number): number {
  return Math.max(1, Math.floor(capacity / ENDPOINT_SHARE_DIVISOR));
}

/**
 * A node's webhook sends in flight, at most `capacity` (the delivery settings'
 * `concurrency`), and at most `perEndpoint` of them to any one endpoint: a pass
 * takes slots before it claims deliveries, claims no more than it took, and skips
 * the deliveries of endpoints holding their share (`EndpointShares`, counted as
 * each delivery is claimed); each send gives its slot and its endpoint's count
 * back when its outcome is recorded. So memory and sockets stay bounded, a
 * claimed delivery is sent at once (its lease starts as its send does), never
 * queued behind other sends, and a slow endpoint holds only its share.
 */
export class SendSlots implements EndpointShares {
  private taken = 0;
  /** Sends in flight per endpoint, for endpoints with any: at most `capacity` entries. */
  private readonly byEndpoint = new Map<string, number>();
  readonly perEndpoint: number;

  constructor(
    readonly capacity: number,
    perEndpoint = sendsPerEndpoint(capacity),
  ) {
    this.perEndpoint = Math.max(1, perEndpoint);
  }

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

  /** Endpoints holding their whole share: at most capacity / perEndpoint of them, as each holds that many slots. */
  full(): string[] {
    const full: string[] = [];
    for (const [endpointId, sends] of this.byEndpoint) if (sends >= this.perEndpoint) full.push(endpointId);
    return full;
  }

  /** How many more sends `endpointId` may have: its share less what it holds (0 when full). */
  room(endpointId: string): number {
    return Math.max(0, this.perEndpoint - (this.byEndpoint.get(endpointId) ?? 0));
  }

  /** Counts one more send to `endpointId` if it holds less than its share; false (and nothing counted) otherwise. */
  admit(endpointId: string): boolean {
    const sends = this.byEndpoint.get(endpointId) ?? 0;
    if (sends >= this.perEndpoint) return false;
    this.byEndpoint.set(endpointId, sends + 1);
    return true;
  }

  /** Gives back one send to `endpointId` that `admit` counted (its send ended, or the claim did not get the delivery). */
  release(endpointId: string): void {
    const sends = this.byEndpoint.get(endpointId) ?? 0;
    if (sends <= 1) this.byEndpoint.delete(endpointId);
    else this.byEndpoint.set(endpointId, sends - 1);
  }
}
