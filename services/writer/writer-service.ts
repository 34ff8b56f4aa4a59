import type { DeadLetter } from '../../shared/contract/dead-letter.ts';
import type { SensorStatus } from '../../shared/contract/sensor-status.ts';
import type { Reading } from '../../shared/contract/telemetry.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Bus, ConsumedMessage, Subscription } from '../../shared/ports/bus.ts';
import type { Store } from '../../shared/ports/store.ts';

export const WRITER_GROUP = 'roadpulse-writer';

/** The counters the writer moves; prom-client's Counters fit, and so does a forwarder from a worker thread. */
export interface WriterMetrics {
  readingsStored: { inc(n?: number): void };
  storeWriteFailures: { inc(): void };
}

/**
 * Bus → store. Offsets are committed by the bus only after the store accepted the batch; a store
 * error rejects the handler so the batch is delivered again (writes are idempotent).
 */
export async function startWriter(args: { bus: Bus; store: Store; log: Logger; metrics: WriterMetrics }): Promise<Subscription> {
  const log = args.log.child({ component: 'writer' });
  const { store, metrics } = args;
  return args.bus.consume(
    { groupId: WRITER_GROUP, topics: [TOPICS.telemetry, TOPICS.deadLetter, TOPICS.status] },
    async (batch) => {
      const topic = batch[0]?.topic;
      try {
        if (topic === TOPICS.telemetry) {
          const readings = decode<Reading>(batch, log);
          await store.writeReadings(readings);
          metrics.readingsStored.inc(readings.length);
        } else if (topic === TOPICS.deadLetter) {
          await store.writeRejections(decode<DeadLetter>(batch, log));
        } else if (topic === TOPICS.status) {
          await store.writeSensorStatus(decode<SensorStatus>(batch, log));
        }
      } catch (err) {
        metrics.storeWriteFailures.inc();
        log.warn({ err, topic, size: batch.length }, 'store write failed; batch will be retried');
        throw err;
      }
    },
  );
}

/**
 * Messages on our topics were validated and normalised by ingest (the edge), so they are trusted
 * here; one that is not even JSON is logged and skipped rather than blocking the partition forever.
 */
function decode<T>(batch: ConsumedMessage[], log: Logger): T[] {
  const out: T[] = [];
  for (const m of batch) {
    try {
      out.push(JSON.parse(m.value) as T);
    } catch (err) {
      log.error({ err, topic: m.topic, offset: m.offset }, 'undecodable bus message skipped');
    }
  }
  return out;
}
