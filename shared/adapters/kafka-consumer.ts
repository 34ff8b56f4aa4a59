import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { BatchHandler, ConsumeOptions, ConsumedMessage, Subscription } from '../ports/bus.ts';
import { toBusError } from './kafka-errors.ts';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export interface KafkaSubscriptionSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Long-poll of an idle fetch; also bounds how long stop() waits for an idle consumer. */
  maxWaitTimeMs: number;
  /** How long consume() waits for the group join before it gives up. */
  startTimeoutMs: number;
  retry: NonNullable<ConsumerConfig['retry']>;
}

/**
 * One consume() call: one kafkajs consumer in the group, `eachBatch` with auto-resolve and
 * auto-commit off, so an offset moves only here, after the handler resolved (DESIGN §6: "commit
 * offsets only after the store accepted the batch").
 *
 * kafkajs fetches each partition from its *resolved* offset, not from where the last fetch ended.
 * A rejected batch is therefore neither resolved nor committed and its partition is paused for a
 * back-off (100 ms doubling to 30 s); when resumed, kafkajs fetches the same offset again and the
 * handler gets the same messages. Other partitions go on meanwhile. The handler's error never reaches
 * kafkajs: thrown from eachBatch it would be retried a few times by kafkajs and then crash and restart
 * the consumer (a rebalance of the whole group for every store hiccup).
 */
export class KafkaSubscription implements Subscription {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private readonly backoffMs = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly settings: KafkaSubscriptionSettings,
    log: Logger,
    private readonly onStop: () => void,
  ) {
    this.log = log.child({ groupId: options.groupId });
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: settings.retry,
    });
  }

  /**
   * Joins the group and resolves once the first fetch has fixed where each assigned partition starts
   * (kafkajs resolves `fromBeginning: false` lazily, at the first fetch): a message published after
   * consume() resolved is delivered even to a new group that starts at the end. Unlike the SQLite
   * bus, that start is not committed until the first batch is: a new `fromBeginning: false` group
   * stopped before it got anything starts at the then-current end next time (Kafka's
   * auto.offset.reset=latest).
   */
  async start(): Promise<void> {
    const { groupId, topics } = this.options;
    const { events } = this.consumer;
    let settle: (err?: Error) => void = () => {};
    const started = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    started.catch(() => {}); // may settle after start() gave up for another reason
    let joined = false;
    // kafkajs logs joins and rebalances itself (routed to pino); we only need to know the first one.
    const removeJoin = this.consumer.on(events.GROUP_JOIN, () => {
      joined = true;
    });
    const removeFetch = this.consumer.on(events.FETCH, () => {
      if (joined) settle();
    });
    // Kept for the subscription's life: a consumer that kafkajs will not restart must be visible.
    this.consumer.on(events.CRASH, ({ payload }) => {
      const { error, restart } = payload;
      const what = restart ? 'kafka consumer crashed; kafkajs restarts it' : 'kafka consumer crashed and stopped';
      this.log.error({ err: error, restart }, what);
      if (!restart) settle(toBusError(error, `Kafka consumer of group ${groupId} stopped`));
    });
    const { startTimeoutMs } = this.settings;
    const timer = setTimeout(() => {
      const message = `Kafka consumer of group ${groupId} did not start within ${startTimeoutMs} ms`;
      settle(new AppError('bus_unavailable', message, { retriable: true }));
    }, startTimeoutMs);
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning !== false });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await started;
    } catch (err) {
      await this.consumer.disconnect().catch(() => {});
      throw toBusError(err, `cannot consume ${topics.join(', ')} in group ${groupId}`);
    } finally {
      clearTimeout(timer);
      removeJoin();
      removeFetch();
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // Stopping: leave the batch to the group's next owner. Stale: a seek moved the partition.
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const messages = batch.messages.map((m) => toConsumed(batch.topic, batch.partition, m));
    const tp = `${batch.topic}/${batch.partition}`;
    // A long handler must not cost the group membership: keep heartbeating while it runs. A
    // rebalance seen here is handled after the batch (kafkajs's own heartbeat rethrows it).
    const keepAlive = setInterval(() => payload.heartbeat().catch(() => {}), this.settings.heartbeatIntervalMs);
    try {
      await this.handler(messages);
    } catch (err) {
      this.redeliverLater(payload, tp, messages, err);
      return;
    } finally {
      clearInterval(keepAlive);
    }
    this.backoffMs.delete(tp);
    payload.resolveOffset(messages[messages.length - 1]!.offset);
    try {
      // Commits are allowed while a rebalance is being prepared, so what was processed is committed
      // before the partition can move; kafkajs then re-joins on the next heartbeat.
      await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
    } catch (err) {
      this.log.warn(
        { err, topic: batch.topic, partition: batch.partition, lastOffset: messages[messages.length - 1]!.offset },
        'processed batch could not be committed; it may be delivered again',
      );
      throw err; // a kafkajs error: kafkajs re-joins (rebalance) or retries the fetch loop
    }
  }

  private redeliverLater(payload: EachBatchPayload, tp: string, messages: ConsumedMessage[], err: unknown): void {
    const delay = this.backoffMs.get(tp) ?? FIRST_BACKOFF_MS;
    this.backoffMs.set(tp, Math.min(delay * 2, MAX_BACKOFF_MS));
    const first = messages[0]!;
    this.log.warn(
      { err, topic: first.topic, partition: first.partition, firstOffset: first.offset, size: messages.length, backoffMs: delay },
      'batch handler failed; the same messages will be delivered again',
    );
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }

  /** Stops fetching, lets the batch in progress finish and commit, leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.resumeTimers) clearTimeout(t);
      this.resumeTimers.clear();
      try {
        await this.consumer.disconnect(); // stop(): waits for the running batch; then LeaveGroup
      } finally {
        this.onStop();
      }
    })();
    return this.stopping;
  }
}

function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  const headers = toHeaders(m.headers);
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? '',
    value: m.value?.toString('utf8') ?? '',
    ...(headers ? { headers } : {}),
  };
}

/** Kafka headers are bytes and may repeat; the port has one string per name (the last one wins). */
function toHeaders(raw: IHeaders | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [name, value] of Object.entries(raw)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    out[name] = typeof last === 'string' ? last : last.toString('utf8');
    any = true;
  }
  return any ? out : undefined;
}
