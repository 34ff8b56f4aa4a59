import { Partitioners, type Kafka, type Message, type Producer, type RetryOptions, type TopicMessages } from 'kafkajs';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { BusMessage } from '../ports/bus.ts';
import { toBusError } from './kafka-errors.ts';

interface PendingPublish {
  topic: string;
  messages: BusMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface KafkaPublisherOptions {
  log: Logger;
  /** Upper bound of one produce request; publishes queued meanwhile are split at this size. */
  maxRequestBytes: number;
  retry: RetryOptions;
}

/**
 * The producer side of the Kafka bus: idempotent, acks = all (DESIGN §6), one request in flight.
 *
 * kafkajs does not cap in-flight requests for an idempotent producer, so we ask for
 * `maxInFlightRequests: 1` (kafkajs then orders requests per broker) and make up for the lost
 * pipelining by group commit: publishes made while a request is in flight are sent together in the
 * next one, and each publish resolves only when the request that carried it was acknowledged by all
 * in-sync replicas.
 *
 * After a failed request the producer is thrown away and a new one (new producer id) is used: kafkajs
 * keeps the sequence numbers of a batch it gave up on, so the next batch would reuse them, and a
 * broker that did write the timed-out batch would take the new one for a duplicate and drop it.
 */
export class KafkaPublisher {
  private queue: PendingPublish[] = [];
  private pumping: Promise<void> | null = null;
  private producer: Promise<Producer> | null = null;
  private closed = false;
  private readonly log: Logger;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.log = options.log;
  }

  /** Connects the producer now (start-up), rather than on the first publish. */
  async connect(): Promise<void> {
    await this.getProducer();
  }

  publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('bus_unavailable', 'bus is closed', { retriable: false }));
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, bytes: sizeOf(messages), resolve, reject });
      this.pumping ??= this.pump();
    });
  }

  private async pump(): Promise<void> {
    // Let every publish of this event-loop turn join the first request.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) await this.sendNext();
    } finally {
      this.pumping = null;
    }
  }

  private async sendNext(): Promise<void> {
    const batch = this.take();
    const count = batch.reduce((n, p) => n + p.messages.length, 0);
    try {
      const producer = await this.getProducer();
      await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(batch) });
    } catch (err) {
      const error = toBusError(err, `Kafka did not acknowledge ${count} message(s)`);
      this.log.warn({ err: error, messages: count, retriable: error.retriable }, 'kafka publish failed');
      for (const p of batch) p.reject(error);
      await this.discardProducer();
      return;
    }
    for (const p of batch) p.resolve();
  }

  /** The oldest pending publishes up to the request size (at least one, whatever its size). */
  private take(): PendingPublish[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.bytes <= this.options.maxRequestBytes)) {
      bytes += this.queue[n]!.bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // The Java client's murmur2 partitioner: a segment lands on the same partition whoever produces.
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.options.retry,
      });
      this.producer = producer.connect().then(
        () => producer,
        (err: unknown) => {
          this.producer = null;
          throw err;
        },
      );
    }
    return this.producer;
  }

  private async discardProducer(): Promise<void> {
    const current = this.producer;
    this.producer = null;
    if (!current) return;
    try {
      await (await current).disconnect();
    } catch {
      // It failed to connect or is already gone: nothing to release.
    }
  }

  /** Sends what is queued, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pumping) await this.pumping;
    await this.discardProducer();
  }
}

function sizeOf(messages: BusMessage[]): number {
  let bytes = 0;
  for (const m of messages) {
    bytes += 70 + Buffer.byteLength(m.key) + Buffer.byteLength(m.value);
    for (const [k, v] of Object.entries(m.headers ?? {})) bytes += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return bytes;
}

/** One entry per topic, messages in publish order (kafkajs keeps that order within a partition). */
function toTopicMessages(batch: PendingPublish[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const p of batch) {
    let list = byTopic.get(p.topic);
    if (!list) byTopic.set(p.topic, (list = []));
    for (const m of p.messages) list.push({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
