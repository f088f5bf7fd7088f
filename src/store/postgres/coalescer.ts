/**
 * Coalesces concurrent transactions that would serialise on the same row (one
 * hot wallet) into one database transaction.
 *
 * The first transaction for a key runs at once, alone, so nothing waits when
 * there is no contention. Those that arrive while it runs queue up and, when it
 * ends, run together as one batch: one BEGIN, one row lock, one COMMIT (one
 * WAL flush) instead of one each, which is where a hot wallet's time goes.
 * Each queued item still succeeds or fails on its own (savepoints, see
 * PostgresStore). Keys are per process: several nodes still serialise on the
 * database's row lock, each coalescing its own share.
 *
 * A batch may call `sent` once the rest of its work is the server's (its
 * message is on the wire): the next batch of that key then starts at once, so
 * this process computes it while the server runs the one before, and that
 * batch may take in (`more`) what is submitted until it is sent. The store
 * keeps their writes in order (PostgresStore.runCached); a batch that never
 * calls `sent` is waited for, as are all of them before a key is forgotten.
 */
export interface CoalescedItem {
  work: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What a running batch may ask of the coalescer (see above). */
export interface BatchControl {
  /** Its message is on its way: the next batch of the key may start. */
  sent(): void;
  /** Appends to the batch the items queued on its key since, from the oldest, while `accept` takes them (up to the batch limit). */
  more(accept: (item: CoalescedItem) => boolean): CoalescedItem[];
  /** Resolves when an item is next submitted on the key. */
  arrival(): Promise<void>;
}

export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class Coalescer {
  private readonly queues = new Map<string, CoalescedItem[]>();
  private readonly arrivals = new Map<string, () => void>();

  constructor(
    private readonly runBatch: (items: CoalescedItem[], key: string, control: BatchControl) => Promise<BatchOutcome[]>,
    private readonly maxBatch = 64,
  ) {}

  submit<T>(key: string, work: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: CoalescedItem = { work, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(item);
        this.arrivals.get(key)?.();
        this.arrivals.delete(key);
        return;
      }
      this.queues.set(key, [item]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      let sent!: () => void;
      const onTheWire = new Promise<void>((resolve) => (sent = resolve));
      const control: BatchControl = {
        sent,
        more: (accept) => {
          let count = 0;
          while (count < queue.length && batch.length + count < this.maxBatch && accept(queue[count]!)) count += 1;
          const taken = queue.splice(0, count);
          batch.push(...taken);
          return taken;
        },
        arrival: () => new Promise<void>((resolve) => {
          const before = this.arrivals.get(key);
          this.arrivals.set(key, () => {
            before?.();
            resolve();
          });
        }),
      };
      let ended = false;
      const last = this.settle(batch, key, control).then(() => {
        ended = true;
      });
      await Promise.race([onTheWire, last]);
      // Nothing queued yet: the next batch starts with the first arrival, or once this one has ended.
      while (queue.length === 0 && !ended) await Promise.race([last, control.arrival()]);
    }
    // Only reached right after the last batch ended with nothing queued: no await between the check and this.
    this.queues.delete(key);
    this.arrivals.delete(key);
  }

  private async settle(batch: CoalescedItem[], key: string, control: BatchControl): Promise<void> {
    try {
      const outcomes = await this.runBatch(batch, key, control);
      batch.forEach((item, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}
