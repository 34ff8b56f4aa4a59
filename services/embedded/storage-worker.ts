import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { Config } from '../../shared/config/schema.ts';
import { healthConfigFrom } from '../../shared/health/health-config.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { startAggregator } from '../aggregator/aggregator-service.ts';
import { startWriter } from '../writer/writer-service.ts';

/**
 * The writer and the aggregator on their own thread in the embedded deployment, so storing readings
 * and closing windows (which reads up to an hour of readings) use the second core and never stall
 * the thread that serves MQTT and HTTP. Same service code as the distributed writer and aggregator;
 * this thread opens its own connections to the bus and store files. Counters go to the main thread.
 */
export type StorageWorkerMessage =
  | { type: 'stored'; n: number }
  | { type: 'failed' }
  | { type: 'skipped'; n: number }
  | { type: 'congestion'; window: string; n: number }
  | { type: 'ready' }
  | { type: 'stopped' };

const config = workerData as Config;
const port = parentPort!;
const post = (m: StorageWorkerMessage): void => port.postMessage(m);
const log = createLogger({ level: config.ROADPULSE_LOG_LEVEL, name: 'roadpulse-storage' });
yieldToIngest();
// Batches of up to 5000: each store transaction adds one per-minute rollup row per detector, so a
// bigger batch spreads those over more readings (storage thread −8 % CPU at 30k readings/s against 2000).
const bus = new SqliteBus({ file: join(config.ROADPULSE_DATA_DIR, 'bus.sqlite'), log, maxBatch: 5000 });
const store = new SqliteStore(join(config.ROADPULSE_DATA_DIR, 'store.sqlite'));
const subscription = await startWriter({
  bus,
  store,
  log,
  metrics: {
    readingsStored: { inc: (n = 1) => post({ type: 'stored', n }) },
    storeWriteFailures: { inc: () => post({ type: 'failed' }) },
    messagesSkipped: { inc: (n = 1) => post({ type: 'skipped', n }) },
  },
  health: healthConfigFrom(config),
});
const aggregator = startAggregator({
  query: queryContextFrom(config, store, loadRoadNetwork(config.ROADPULSE_NETWORK_FILE)),
  bus,
  log,
  metrics: { congestionRecords: { inc: ({ window }, n) => post({ type: 'congestion', window, n }) } },
  graceMs: config.ROADPULSE_AGGREGATOR_GRACE_S * 1000,
});
port.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  void (async () => {
    await aggregator.stop();
    await subscription.stop();
    await bus.close();
    await store.close();
    post({ type: 'stopped' });
    port.close();
  })();
});
post({ type: 'ready' });

/**
 * Storing yields the CPU to the thread that acknowledges MQTT messages when both want one core: at
 * full load on two cores, 61.5k against 54.5k readings/s (medians of 14 interleaved runs). The bus
 * holds whatever is not stored yet, durably, and this thread catches up when ingest leaves it time.
 * Ten steps below the process's own priority, whatever that is. Linux keeps a nice value per thread
 * (elsewhere it would be the whole process's); where it cannot be changed, storing goes on as is.
 */
function yieldToIngest(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(Math.min(19, getPriority() + 10));
  } catch (err) {
    log.warn({ err }, 'could not lower the storage thread\'s priority; it competes with ingest as an equal');
  }
}
