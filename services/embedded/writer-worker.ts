import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { startWriter } from '../writer/writer-service.ts';

/**
 * The writer on its own thread in the embedded deployment, so storing readings uses the second core
 * while the main thread serves MQTT and HTTP. Same writer code as the distributed writer service;
 * it opens its own connections to the bus and store files. Counters go to the main thread.
 */
export interface WriterWorkerData {
  dataDir: string;
  logLevel: string;
}
export type WriterWorkerMessage = { type: 'stored'; n: number } | { type: 'failed' } | { type: 'ready' } | { type: 'stopped' };

const { dataDir, logLevel } = workerData as WriterWorkerData;
const port = parentPort!;
const post = (m: WriterWorkerMessage): void => port.postMessage(m);
const log = createLogger({ level: logLevel, name: 'roadpulse-writer' });
const bus = new SqliteBus({ file: join(dataDir, 'bus.sqlite'), log });
const store = new SqliteStore(join(dataDir, 'store.sqlite'));
const subscription = await startWriter({
  bus,
  store,
  log,
  metrics: {
    readingsStored: { inc: (n = 1) => post({ type: 'stored', n }) },
    storeWriteFailures: { inc: () => post({ type: 'failed' }) },
  },
});
port.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  void (async () => {
    await subscription.stop();
    await bus.close();
    await store.close();
    post({ type: 'stopped' });
    port.close();
  })();
});
post({ type: 'ready' });
