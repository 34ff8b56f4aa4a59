import type { HealthConfig } from '../../shared/health/health-config.ts';
import { HealthTracker } from '../../shared/health/health-tracker.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Store } from '../../shared/ports/store.ts';

export interface HealthSnapshots {
  tracker: HealthTracker;
  /** Stops the timer and stores what changed since the last pass. */
  stop(): Promise<void>;
}

/**
 * The writer's health tracker and its persistence: every `snapshotMs` the snapshots of sensors whose
 * health changed go to the store, where the API reads them (another thread or process). A failed
 * store write is logged and tried again at the next pass; it never holds up the readings.
 */
export function startHealthSnapshots(args: { store: Store; log: Logger; config: HealthConfig; now: () => number }): HealthSnapshots {
  const tracker = new HealthTracker(args.config);
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    const snapshots = tracker.changedSnapshots(args.now());
    if (snapshots.length === 0) return;
    try {
      await args.store.writeSensorHealth(snapshots);
      tracker.stored(snapshots);
    } catch (err) {
      tracker.notStored(snapshots);
      args.log.warn({ err, sensors: snapshots.length }, 'sensor health not stored; trying again at the next pass');
    }
  };
  const timer = setInterval(() => {
    running ??= pass().finally(() => (running = null));
  }, args.config.snapshotMs);
  timer.unref();
  return {
    tracker,
    async stop() {
      clearInterval(timer);
      await running;
      await pass();
    },
  };
}
