import { Kafka, type Admin } from 'kafkajs';
import { TOPICS } from '../contract/topics.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { BatchHandler, Bus, BusMessage, ConsumeOptions, Subscription } from '../ports/bus.ts';
import { KafkaSubscription, type KafkaSubscriptionSettings } from './kafka-consumer.ts';
import { toBusError } from './kafka-errors.ts';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log.ts';
import { KafkaPublisher } from './kafka-publisher.ts';
import { ensureTopics, type TopicSettings } from './kafka-topics.ts';

export interface KafkaRetryOptions {
  retries?: number;
  initialRetryTimeMs?: number;
  maxRetryTimeMs?: number;
}

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
  /** Partitions and replication of the topics this bus creates; default 6 partitions, 1 replica. */
  topics?: TopicSettings;
  /** Topics connect() creates if missing; default every topic of TOPICS (DESIGN §6); `false`: create none. */
  createTopics?: readonly string[] | false;
  /** TCP connect timeout per broker; default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Per request; default 30 000 ms (kafkajs). */
  requestTimeoutMs?: number;
  /** Retries of connects and admin calls (kafkajs `retry`); default 5 from 300 ms doubling (≈ 9 s). */
  retry?: KafkaRetryOptions;
  /**
   * Retries of one produce request before publish rejects; default 5 (≈ 9 s). kafkajs's own default
   * for an idempotent producer is unbounded: a publish would never settle while Kafka is down.
   */
  publishRetry?: KafkaRetryOptions;
  /** Upper bound of one produce request when publishes are coalesced; default 512 KiB. */
  maxRequestBytes?: number;
  consumer?: Partial<Omit<KafkaSubscriptionSettings, 'retry'>>;
  /** ping() gives up after this; default 5000 ms. */
  pingTimeoutMs?: number;
}

const toKafkaRetry = (r: KafkaRetryOptions | undefined, fallback: Required<KafkaRetryOptions>) => ({
  retries: r?.retries ?? fallback.retries,
  initialRetryTime: r?.initialRetryTimeMs ?? fallback.initialRetryTimeMs,
  maxRetryTime: r?.maxRetryTimeMs ?? fallback.maxRetryTimeMs,
});
const DEFAULT_RETRY = { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000 };

/**
 * The Bus port on Apache Kafka (DESIGN §1, §6) with kafkajs: an idempotent producer with acks = all
 * (kafka-publisher.ts), one consumer per consume() call committing after its handler
 * (kafka-consumer.ts), topics created on connect (kafka-topics.ts), kafkajs's log in pino
 * (kafka-log.ts). Driver errors leave as AppError('bus_unavailable', …, { retriable }).
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly publisher: KafkaPublisher;
  private readonly log: Logger;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly topicSettings: TopicSettings;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.log = options.log.child({ component: 'kafka-bus' });
    this.topicSettings = options.topics ?? { partitions: 6, replicationFactor: 1 };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: toKafkaRetry(options.retry, DEFAULT_RETRY),
      logLevel: kafkaLogLevel(options.log),
      logCreator: kafkaLogCreator(options.log),
    });
    this.admin = this.kafka.admin();
    this.publisher = new KafkaPublisher(this.kafka, {
      log: this.log,
      maxRequestBytes: options.maxRequestBytes ?? 512 * 1024,
      retry: toKafkaRetry(options.publishRetry, DEFAULT_RETRY),
    });
  }

  /**
   * Connects the admin client and the producer and creates missing topics. Optional (publish and
   * consume connect on first use) but a service calls it at start-up so a wrong broker list fails
   * there, with a message that names the brokers.
   */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().catch((err: unknown) => {
      this.connecting = null;
      throw err;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    this.assertOpen();
    try {
      await this.admin.connect();
      if (this.options.createTopics !== false) {
        await ensureTopics(this.admin, this.options.createTopics ?? Object.values(TOPICS), this.topicSettings, this.log);
      }
      await this.publisher.connect();
    } catch (err) {
      throw toBusError(err, `cannot connect to Kafka at ${this.options.brokers.join(',')} (client ${this.options.clientId})`);
    }
    this.log.info({ brokers: this.options.brokers }, 'connected to kafka');
  }

  /** Creates the given topics if they do not exist (with the configured partitions and replication). */
  async ensureTopics(names: readonly string[]): Promise<string[]> {
    this.assertOpen();
    try {
      await this.admin.connect();
      return await ensureTopics(this.admin, names, this.topicSettings, this.log);
    } catch (err) {
      throw toBusError(err, `cannot create Kafka topics ${names.join(', ')}`);
    }
  }

  /** Resolves when the in-sync replicas of every partition written have the messages (acks = all). */
  publish(topic: string, messages: BusMessage[]): Promise<void> {
    return this.publisher.publish(topic, messages);
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription> {
    this.assertOpen();
    const c = this.options.consumer ?? {};
    const subscription: KafkaSubscription = new KafkaSubscription(
      this.kafka,
      options,
      handler,
      {
        sessionTimeoutMs: c.sessionTimeoutMs ?? 30_000,
        heartbeatIntervalMs: c.heartbeatIntervalMs ?? 3000,
        maxWaitTimeMs: c.maxWaitTimeMs ?? 500,
        startTimeoutMs: c.startTimeoutMs ?? 60_000,
        retry: toKafkaRetry(this.options.retry, DEFAULT_RETRY),
      },
      this.log,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (err) {
      this.subscriptions.delete(subscription);
      throw err;
    }
    return subscription;
  }

  /** Readiness: the cluster answers a metadata request within pingTimeoutMs. */
  async ping(): Promise<void> {
    this.assertOpen();
    const timeoutMs = this.options.pingTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.admin.connect().then(() => this.admin.describeCluster()), timeout]);
    } catch (err) {
      throw toBusError(err, `Kafka at ${this.options.brokers.join(',')} is not reachable`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops consumers (each finishes and commits its batch), sends what is queued, disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await this.publisher.close();
    await this.admin.disconnect().catch(() => {});
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('bus_unavailable', 'bus is closed', { retriable: false });
  }
}
