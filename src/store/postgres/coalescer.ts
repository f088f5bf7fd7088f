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
 * database's row lock, each coalescing its own share. A batch may answer only
 * a prefix of its items (its turn's budget ran out): the rest go back to the
 * front of the queue, in order, for the next batch.
 */
export interface CoalescedItem {
  work: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class Coalescer {
  private readonly queues = new Map<string, CoalescedItem[]>();

  constructor(
    private readonly runBatch: (items: CoalescedItem[], key: string) => Promise<BatchOutcome[]>,
    private readonly maxBatch = 64,
  ) {}

  submit<T>(key: string, work: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: CoalescedItem = { work, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(item);
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
      try {
        const outcomes = await this.runBatch(batch, key);
        queue.unshift(...batch.slice(outcomes.length));
        outcomes.forEach((outcome, index) => {
          if (outcome.ok) batch[index]!.resolve(outcome.value);
          else batch[index]!.reject(outcome.error);
        });
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.queues.delete(key);
  }
}
