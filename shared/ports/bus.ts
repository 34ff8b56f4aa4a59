/**
 * The Bus port (DESIGN §1, §6): publish with an acknowledgement, consume with a commit.
 * Adapters: sqlite-bus (embedded, durable file log) and kafka-bus (distributed).
 */
export interface BusMessage {
  key: string;
  /** JSON text. */
  value: string;
  headers?: Record<string, string>;
}

export interface ConsumedMessage extends BusMessage {
  topic: string;
  partition: number;
  offset: string;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts; default true (read everything retained). */
  fromBeginning?: boolean;
}

/**
 * Called with a batch of messages of one topic-partition, in order. Offsets are committed only
 * after the returned promise resolves; if it rejects, the same messages are delivered again
 * (after a back-off), so handlers must be idempotent.
 */
export type BatchHandler = (batch: ConsumedMessage[]) => Promise<void>;

export interface Subscription {
  /** Stops fetching, waits for the batch in progress to finish and commit. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Resolves only once every message is durably accepted (Kafka acks=all; embedded: committed to its file). */
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription>;
  /** Throws if the bus cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
