import { WINDOWS, WINDOW_NAMES, type CongestionRecord, type WindowName } from '../../shared/contract/congestion-record.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import { congestionAt, type CongestionQueryContext } from '../../shared/queries/congestion-at.ts';

const RETRY_MS = 5_000;
/** At start, windows that ended while the aggregator was down are closed, at most this many per size. */
const MAX_CATCH_UP = 60;

/** The counter the aggregator moves; prom-client's Counter fits, and so does a forwarder from a worker thread. */
export interface AggregatorMetrics {
  congestionRecords: { inc(labels: { window: string }, n: number): void };
}

export interface Aggregator {
  /** Computes, stores and publishes the records of every segment for the window ending at `end`. */
  closeWindow(window: WindowName, end: number): Promise<CongestionRecord[]>;
  stop(): Promise<void>;
}

/**
 * Closes each window W ∈ {1m, 5m, 15m, 1h} at its end plus a grace period for late readings, from
 * the readings in the store (so it holds no state and a restart loses nothing), writes the records
 * to the store and publishes them on traffic.congestion.v1.
 */
export function startAggregator(args: {
  query: CongestionQueryContext;
  bus: Bus;
  log: Logger;
  metrics: AggregatorMetrics;
  graceMs: number;
  now?: () => number;
  /** Set false to drive closeWindow by hand (tests, backfills). */
  schedule?: boolean;
}): Aggregator {
  const log = args.log.child({ component: 'aggregator' });
  const now = args.now ?? Date.now;
  const timers = new Map<WindowName, NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  async function closeWindow(window: WindowName, end: number): Promise<CongestionRecord[]> {
    const records = await congestionAt(args.query, window, end);
    await args.query.store.writeCongestion(records);
    await args.bus.publish(
      TOPICS.congestion,
      records.map((r) => ({ key: r.segmentId, value: JSON.stringify(r) })),
    );
    args.metrics.congestionRecords.inc({ window }, records.length);
    return records;
  }

  function scheduleNext(window: WindowName, end?: number): void {
    if (stopped) return;
    const w = WINDOWS[window];
    const due = end ?? Math.floor((now() - args.graceMs) / w) * w + w;
    const timer = setTimeout(() => {
      const closing = closeWindow(window, due).then(
        (records) => {
          log.debug({ window, end: new Date(due).toISOString(), segments: records.length }, 'window closed');
          scheduleNext(window);
        },
        (err: unknown) => {
          log.warn({ err, window }, 'closing the window failed; retrying');
          const retry = setTimeout(() => scheduleNext(window, due), RETRY_MS);
          retry.unref();
          timers.set(window, retry);
        },
      );
      // Windows that end together close concurrently; stop() waits for every one of them.
      running.add(closing);
      void closing.finally(() => running.delete(closing));
    }, Math.max(0, due + args.graceMs - now()));
    timer.unref();
    timers.set(window, timer);
  }

  /**
   * Windows that ended while no aggregator ran: the last record stored for the first segment tells
   * where it stopped (a store that has none is a fresh deployment: nothing to catch up).
   */
  async function catchUp(window: WindowName): Promise<void> {
    const w = WINDOWS[window];
    const nextDue = Math.floor((now() - args.graceMs) / w) * w + w;
    const since = nextDue - MAX_CATCH_UP * w;
    const probe = args.query.network.segments[0];
    if (!probe) return;
    const stored = await args.query.store.congestionHistory(probe.id, window, { from: since, to: nextDue });
    const last = stored.at(-1);
    if (!last) return;
    for (let end = Date.parse(last.to) + w; end < nextDue && !stopped; end += w) await closeWindow(window, end);
  }

  if (args.schedule !== false) {
    for (const window of WINDOW_NAMES) {
      const catching = catchUp(window)
        .catch((err: unknown) => log.warn({ err, window }, 'catching up missed windows failed'))
        .finally(() => scheduleNext(window));
      running.add(catching);
      void catching.finally(() => running.delete(catching));
    }
  }

  return {
    closeWindow,
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      await Promise.allSettled([...running]);
    },
  };
}
