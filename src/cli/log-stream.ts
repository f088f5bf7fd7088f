import pino, { type DestinationStream } from 'pino';

/** How long a log line may wait in the buffer when too few follow it to fill one write. */
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * The stdout stream every port of `serve` logs to. pino's default writes each
 * line with its own write(2) on the event loop, which costs a request at `info`
 * about a sixth of its CPU; this one collects lines up to 4 KiB and writes them
 * off the event loop, and writes whatever it holds at least every
 * LOG_FLUSH_INTERVAL_MS (an idle server's last lines are not held back) and at
 * `close`; pino's destination flushes it on exit by itself (a crash keeps the
 * lines logged before it) and stops writing on a broken pipe.
 */
export function openLogStream(): { stream: DestinationStream; close: () => Promise<void> } {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // With nothing buffered this writes zero bytes: cheaper than asking the stream, which does not say.
  const timer = setInterval(() => stream.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return {
    stream,
    close: () => {
      clearInterval(timer);
      return new Promise<void>((resolve) => stream.flush(() => resolve()));
    },
  };
}
