import { Worker } from 'node:worker_threads';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { WriterWorkerData, WriterWorkerMessage } from './writer-worker.ts';

export interface WriterThread {
  /** Lets the writer finish and commit its batch, then ends the thread. */
  stop(): Promise<void>;
}

/** Starts services/embedded/writer-worker.ts and forwards its counters into this thread's metrics. */
export async function startWriterThread(args: { dataDir: string; logLevel: string; metrics: Metrics; log: Logger }): Promise<WriterThread> {
  const data: WriterWorkerData = { dataDir: args.dataDir, logLevel: args.logLevel };
  const worker = new Worker(new URL('./writer-worker-entry.mjs', import.meta.url), { workerData: data });
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: WriterWorkerMessage) => {
      if (m.type === 'stored') args.metrics.readingsStored.inc(m.n);
      else if (m.type === 'failed') args.metrics.storeWriteFailures.inc();
      else if (m.type === 'ready') resolve();
      else if (m.type === 'stopped') stopped();
    });
    worker.once('error', (err) => {
      args.log.fatal({ err }, 'writer thread failed');
      reject(err);
    });
    worker.once('exit', () => stopped());
  });
  await ready;
  return {
    async stop() {
      worker.postMessage('stop');
      await done;
      await worker.terminate();
    },
  };
}
