import { Worker } from 'node:worker_threads';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { StorageWorkerMessage } from './storage-worker.ts';

export interface StorageThread {
  /** Stops the aggregator, lets the writer finish and commit its batch, then ends the thread. */
  stop(): Promise<void>;
}

/** Starts services/embedded/storage-worker.ts (writer + aggregator) and forwards its counters into this thread's metrics. */
export async function startStorageThread(config: Config, deps: { metrics: Metrics; log: Logger }): Promise<StorageThread> {
  const worker = new Worker(new URL('./storage-worker-entry.mjs', import.meta.url), { workerData: config });
  let stopped: () => void = () => undefined;
  let stopping = false;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: StorageWorkerMessage) => {
      if (m.type === 'stored') deps.metrics.readingsStored.inc(m.n);
      else if (m.type === 'failed') deps.metrics.storeWriteFailures.inc();
      else if (m.type === 'skipped') deps.metrics.messagesSkipped.inc(m.n);
      else if (m.type === 'congestion') deps.metrics.congestionRecords.inc({ window: m.window }, m.n);
      else if (m.type === 'ready') resolve();
      else if (m.type === 'stopped') stopped();
    });
    worker.once('error', (err) => {
      deps.log.fatal({ err }, 'storage thread failed');
      reject(err);
    });
    worker.once('exit', (code) => {
      stopped();
      // Without this thread nothing is stored while MQTT would go on acknowledging: stop the process
      // (its supervisor restarts it; the bus file still holds every acknowledged reading).
      if (!stopping) {
        deps.log.fatal({ code }, 'storage thread ended unexpectedly; exiting');
        process.exit(1);
      }
    });
  });
  await ready;
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      await done;
      await worker.terminate();
    },
  };
}
