import { randomBytes } from 'node:crypto';
import { congestionRecordSchema, type CongestionRecord, type WindowName } from '../../shared/contract/congestion-record.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Bus, ConsumedMessage } from '../../shared/ports/bus.ts';

/** What one client wants to see; an absent field matches everything. */
export interface CongestionFilter {
  window?: WindowName;
  segmentId?: string;
}

/** Gets each matching record, parsed, and its JSON text (serialised once for every client). */
export type CongestionListener = (record: CongestionRecord, json: string) => void;

export interface CongestionFeed {
  readonly groupId: string;
  /** Number of listeners now subscribed. */
  readonly listeners: number;
  /** Returns the unsubscribe function (safe to call twice). */
  subscribe(filter: CongestionFilter, listener: CongestionListener): () => void;
  /** Stops consuming; listeners get nothing more. */
  stop(): Promise<void>;
}

const matches = (filter: CongestionFilter, record: CongestionRecord): boolean =>
  (filter.window === undefined || filter.window === record.window) &&
  (filter.segmentId === undefined || filter.segmentId === record.segmentId);

/**
 * The live view of traffic.congestion.v1 (DESIGN §6, §8) for one API process: one consumer group
 * of its own (a random id, so every API replica sees every record) starting at the end of the topic
 * (live only, no replay), fanned out in memory to every subscribed listener. A record that does not
 * parse is logged and skipped: the handler never throws, so the bus never redelivers.
 */
export async function startCongestionFeed(args: { bus: Bus; log: Logger; groupId?: string }): Promise<CongestionFeed> {
  const log = args.log.child({ component: 'congestion-feed' });
  const groupId = args.groupId ?? `roadpulse-api-live-${randomBytes(6).toString('hex')}`;
  const subscribers = new Map<CongestionListener, CongestionFilter>();

  function deliver(message: ConsumedMessage): void {
    let record: CongestionRecord;
    try {
      const parsed = congestionRecordSchema.safeParse(JSON.parse(message.value));
      if (!parsed.success) throw parsed.error;
      record = parsed.data;
    } catch (err) {
      log.warn({ err, key: message.key, offset: message.offset }, 'congestion record skipped: not a valid record');
      return;
    }
    let json: string | undefined;
    for (const [listener, filter] of subscribers) {
      if (!matches(filter, record)) continue;
      json ??= JSON.stringify(record);
      try {
        listener(record, json);
      } catch (err) {
        log.warn({ err }, 'congestion listener failed');
      }
    }
  }

  const subscription = await args.bus.consume({ groupId, topics: [TOPICS.congestion], fromBeginning: false }, async (batch) => {
    if (subscribers.size === 0) return;
    for (const message of batch) deliver(message);
  });
  log.debug({ groupId }, 'live congestion feed started');

  return {
    groupId,
    get listeners() {
      return subscribers.size;
    },
    subscribe(filter, listener) {
      // A copy per subscription: the same function subscribed twice still counts twice.
      const own: CongestionListener = (record, json) => listener(record, json);
      subscribers.set(own, { ...filter });
      return () => {
        subscribers.delete(own);
      };
    },
    async stop() {
      subscribers.clear();
      await subscription.stop();
      log.debug({ groupId }, 'live congestion feed stopped');
    },
  };
}
