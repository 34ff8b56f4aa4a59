import { randomBytes } from 'node:crypto';
import { alertEventId, alertEventSchema, type AlertEvent } from '../../shared/contract/alert.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Bus, ConsumedMessage } from '../../shared/ports/bus.ts';

/** One alert event as the stream sends it: its id (SSE `id:`), the parsed event and its JSON. */
export interface FedAlertEvent {
  id: string;
  event: AlertEvent;
  json: string;
}

export type AlertListener = (e: FedAlertEvent) => void;

export interface AlertFeed {
  readonly groupId: string;
  /**
   * Subscribes to live events. With `lastEventId`, the events after it that are still in the
   * ring are handed to `listener` first, in order, before any live one (no gap, no repeat).
   * An id no longer (or never) in the ring: every event in the ring at or after the time the id
   * names. Returns the unsubscribe function.
   */
  subscribe(listener: AlertListener, lastEventId?: string): () => void;
  stop(): Promise<void>;
}

/** Events kept for Last-Event-ID resume (alerts are few: hours of a busy city's raises and clears). */
export const ALERT_RING_SIZE = 1000;

/**
 * The live view of traffic.alerts.v1 for one API process: its own consumer group (every replica
 * sees every event), read from the beginning of the retained topic into a bounded ring, so a
 * reconnecting client can resume after its Last-Event-ID, also after an API restart (event ids
 * come from the event's content: alertEventId). An event already in the ring (a repeated publish)
 * is dropped. Events that do not parse are logged and skipped.
 */
export async function startAlertFeed(args: { bus: Bus; log: Logger; groupId?: string; ringSize?: number }): Promise<AlertFeed> {
  const log = args.log.child({ component: 'alert-feed' });
  const groupId = args.groupId ?? `roadpulse-api-alerts-${randomBytes(6).toString('hex')}`;
  const ringSize = args.ringSize ?? ALERT_RING_SIZE;
  const ring: FedAlertEvent[] = [];
  const ids = new Set<string>();
  const listeners = new Set<AlertListener>();

  function add(message: ConsumedMessage): void {
    let event: AlertEvent;
    try {
      const parsed = alertEventSchema.safeParse(JSON.parse(message.value));
      if (!parsed.success) throw parsed.error;
      event = parsed.data;
    } catch (err) {
      log.warn({ err, key: message.key, offset: message.offset }, 'alert event skipped: not a valid event');
      return;
    }
    const fed: FedAlertEvent = { id: alertEventId(event), event, json: JSON.stringify(event) };
    if (ids.has(fed.id)) return;
    ring.push(fed);
    ids.add(fed.id);
    if (ring.length > ringSize) ids.delete(ring.shift()!.id);
    for (const listener of listeners) {
      try {
        listener(fed);
      } catch (err) {
        log.warn({ err }, 'alert listener failed');
      }
    }
  }

  function missed(lastEventId: string): FedAlertEvent[] {
    const at = ring.findIndex((e) => e.id === lastEventId);
    if (at >= 0) return ring.slice(at + 1);
    const ms = Number(lastEventId.split('~').at(-1));
    if (!Number.isFinite(ms)) return [...ring];
    return ring.filter((e) => Date.parse(e.event.alert.updatedAt) >= ms);
  }

  const subscription = await args.bus.consume({ groupId, topics: [TOPICS.alerts], fromBeginning: true }, async (batch) => {
    for (const message of batch) add(message);
  });

  return {
    groupId,
    subscribe(listener, lastEventId) {
      const own: AlertListener = (e) => listener(e);
      // Synchronous: nothing can be added to the ring between the replay and the subscription.
      if (lastEventId !== undefined) for (const e of missed(lastEventId)) own(e);
      listeners.add(own);
      return () => {
        listeners.delete(own);
      };
    },
    async stop() {
      listeners.clear();
      await subscription.stop();
    },
  };
}
