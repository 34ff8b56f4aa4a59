import { deadLetterSchema } from '../../shared/contract/dead-letter.ts';
import { describeIssues } from '../../shared/contract/describe-issues.ts';
import { withFastPath, type Parser } from '../../shared/contract/fast-path.ts';
import { sensorStatusSchema } from '../../shared/contract/sensor-status.ts';
import { readingSchema } from '../../shared/contract/telemetry.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { HealthConfig } from '../../shared/health/health-config.ts';
import type { Bus, ConsumedMessage, Subscription } from '../../shared/ports/bus.ts';
import type { Store } from '../../shared/ports/store.ts';
import { startHealthSnapshots } from './health-snapshots.ts';

export const WRITER_GROUP = 'roadpulse-writer';

/** The counters the writer moves; prom-client's Counters fit, and so does a forwarder from a worker thread. */
export interface WriterMetrics {
  readingsStored: { inc(n?: number): void };
  storeWriteFailures: { inc(): void };
  messagesSkipped: { inc(n?: number): void };
}

type Skip = (m: ConsumedMessage, why: string, err?: unknown) => void;
type BatchWriter = (batch: ConsumedMessage[]) => Promise<void>;
type ItemsWriter<T> = (items: T[], messages: ConsumedMessage[]) => Promise<void>;

/**
 * Bus → store. Offsets are committed by the bus only after the store accepted the batch; a store
 * error rejects the handler so the batch is delivered again (writes are idempotent).
 *
 * A message that can never be stored must not hold its partition forever (ingest would go on
 * acknowledging readings that nobody stores): one that does not match the contract, or that the
 * store refuses for good (a non-retriable error, e.g. an InfluxDB field-type conflict), is logged
 * with its offset, counted in roadpulse_writer_messages_skipped_total and passed over.
 */
export async function startWriter(args: {
  bus: Bus;
  store: Store;
  log: Logger;
  metrics: WriterMetrics;
  /** Sensor health diagnostics of the readings written (README "Sensor health"); off when absent. */
  health?: HealthConfig;
  now?: () => number;
}): Promise<Subscription> {
  const log = args.log.child({ component: 'writer' });
  const { store, metrics } = args;
  const health = args.health ? startHealthSnapshots({ store, log, config: args.health, now: args.now ?? Date.now }) : null;
  const skip: Skip = (m, why, err) => {
    metrics.messagesSkipped.inc();
    log.error({ err, topic: m.topic, partition: m.partition, offset: m.offset, why }, 'bus message skipped: it can never be stored');
  };
  const writers: Record<string, BatchWriter> = {
    [TOPICS.telemetry]: batchWriter(withFastPath(readingSchema), skip, async (readings, messages) => {
      await store.writeReadings(readings);
      metrics.readingsStored.inc(readings.length);
      health?.tracker.observeMessages(readings, messages);
    }),
    [TOPICS.deadLetter]: batchWriter(deadLetterSchema, skip, (entries) => store.writeRejections(entries)),
    [TOPICS.status]: batchWriter(sensorStatusSchema, skip, (statuses) => store.writeSensorStatus(statuses)),
  };

  const subscription = await args.bus.consume({ groupId: WRITER_GROUP, topics: Object.keys(writers) }, async (batch) => {
    const topic = batch[0]?.topic ?? '';
    try {
      await writers[topic]?.(batch);
    } catch (err) {
      metrics.storeWriteFailures.inc();
      log.warn({ err, topic, size: batch.length }, 'store write failed; batch will be retried');
      throw err;
    }
  });
  return {
    async stop() {
      await subscription.stop();
      await health?.stop();
    },
  };
}

const refusedForGood = (err: unknown): err is AppError => err instanceof AppError && !err.retriable;

/** Decodes a batch and writes it; when the store refuses it for good, writes one by one to pass over the culprits. */
function batchWriter<T>(schema: Parser<T>, skip: Skip, write: ItemsWriter<T>): BatchWriter {
  return async (batch) => {
    const decoded = decode(batch, schema, skip);
    try {
      await write(decoded.map((d) => d.item), decoded.map((d) => d.message));
    } catch (err) {
      if (!refusedForGood(err)) throw err;
      for (const { item, message } of decoded) {
        await write([item], [message]).catch((one: unknown) => {
          if (!refusedForGood(one)) throw one;
          skip(message, one.message, one);
        });
      }
    }
  };
}

/** Checks each message against the contract (the bus is a boundary between processes). */
function decode<T>(batch: ConsumedMessage[], schema: Parser<T>, skip: Skip): { item: T; message: ConsumedMessage }[] {
  const out: { item: T; message: ConsumedMessage }[] = [];
  for (const message of batch) {
    let json: unknown;
    try {
      json = JSON.parse(message.value);
    } catch (err) {
      skip(message, 'not JSON', err);
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) out.push({ item: parsed.data, message });
    else skip(message, describeIssues(parsed.error));
  }
  return out;
}
