import type { Alert, AlertEvent } from '../../shared/contract/alert.ts';
import { congestionRecordSchema, type CongestionRecord } from '../../shared/contract/congestion-record.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { RoadNetwork } from '../../shared/network/road-segment.ts';
import type { Bus, ConsumedMessage } from '../../shared/ports/bus.ts';
import type { Store } from '../../shared/ports/store.ts';
import { emptyTrack, stepAlert, type AlertRules, type AlertTrack, type SegmentAlertState } from '../../shared/traffic/alert-rules.ts';

/** The series the alert service moves; prom-client's Counter and Gauge fit. */
export interface AlertMetrics {
  alertEvents: { inc(labels: { event: 'raised' | 'cleared' }, n?: number): void };
  alertsActive: { set(n: number): void };
}

export interface AlertService {
  readonly groupId: string;
  /** Active alerts held now, by segment. */
  active(): Alert[];
  stop(): Promise<void>;
}

export const ALERTER_GROUP = 'roadpulse-alerter';
/** More active alerts than segments cannot exist; this only bounds the start-up query. */
const MAX_ACTIVE = 100_000;

/**
 * The alert service (issue 12, item 1): consumes traffic.congestion.v1 in its own consumer group,
 * judges the records of the rules' window with shared/traffic/alert-rules.ts, publishes each raise
 * and clear on traffic.alerts.v1, and keeps alerts and per-segment tracks in the store. The bus
 * commits a batch only after this handler resolved: after the events were published and the store
 * accepted alerts and tracks. Publishing comes first so that a crash or a store failure in between
 * only repeats events (identical ones: the rules are deterministic; consumers drop them by id),
 * never loses one. The in-memory state moves on only when the whole batch succeeded, so a retried
 * batch is judged again from the same state. At start, active alerts and tracks come from the store.
 *
 * Runs as a single instance (like the aggregator): its state covers every segment.
 */
export async function startAlertService(args: {
  bus: Bus;
  store: Store;
  network: RoadNetwork;
  rules: AlertRules;
  log: Logger;
  metrics: AlertMetrics;
  groupId?: string;
  /** Default TOPICS.congestion and TOPICS.alerts (tests on a shared Kafka use their own). */
  topics?: { congestion: string; alerts: string };
}): Promise<AlertService> {
  const log = args.log.child({ component: 'alerter' });
  const groupId = args.groupId ?? ALERTER_GROUP;
  const topics = args.topics ?? { congestion: TOPICS.congestion, alerts: TOPICS.alerts };
  const states = new Map<string, SegmentAlertState>();
  const [tracks, active] = await Promise.all([args.store.alertTracks(), args.store.alerts({ state: 'active', limit: MAX_ACTIVE })]);
  for (const track of tracks) states.set(track.segmentId, { track, alert: null });
  for (const alert of active) {
    const state = states.get(alert.segmentId);
    if (state) state.alert = alert;
    else states.set(alert.segmentId, { track: emptyTrack(alert.segmentId), alert });
  }
  const countActive = () => [...states.values()].filter((s) => s.alert !== null).length;
  args.metrics.alertsActive.set(countActive());
  log.info({ active: countActive(), tracks: tracks.length, window: args.rules.window }, 'alert state loaded');

  function parse(message: ConsumedMessage): CongestionRecord | null {
    try {
      const parsed = congestionRecordSchema.safeParse(JSON.parse(message.value));
      if (parsed.success) return parsed.data;
      log.warn({ err: parsed.error, key: message.key, offset: message.offset }, 'congestion record skipped: not a valid record');
    } catch (err) {
      log.warn({ err, key: message.key, offset: message.offset }, 'congestion record skipped: not JSON');
    }
    return null;
  }

  async function handle(batch: ConsumedMessage[]): Promise<void> {
    const next = new Map<string, SegmentAlertState>();
    const changed = new Map<string, Alert>();
    const events: AlertEvent[] = [];
    for (const message of batch) {
      const record = parse(message);
      if (!record || record.window !== args.rules.window) continue;
      const segment = args.network.byId.get(record.segmentId);
      if (!segment) continue; // not in this network (another deployment's records): nothing to judge it by
      const state = next.get(segment.id) ?? states.get(segment.id) ?? { track: emptyTrack(segment.id), alert: null };
      const step = stepAlert(state, record, args.rules[segment.kind]);
      if (step.state === state) continue;
      next.set(segment.id, step.state);
      if (step.changed) changed.set(step.changed.id, step.changed);
      if (step.event) events.push({ event: step.event, alert: step.changed! });
    }
    if (next.size === 0) return;

    // A clear carries the acknowledgement made meanwhile through the API (kept apart in the store).
    for (const e of events) {
      if (e.event !== 'cleared') continue;
      const stored = await args.store.alert(e.alert.id);
      if (stored?.acknowledgedAt) {
        e.alert = { ...e.alert, acknowledgedAt: stored.acknowledgedAt, acknowledgedBy: stored.acknowledgedBy };
        changed.set(e.alert.id, e.alert);
      }
    }
    if (events.length > 0) {
      await args.bus.publish(topics.alerts, events.map((e) => ({ key: e.alert.segmentId, value: JSON.stringify(e) })));
    }
    await args.store.writeAlerts([...changed.values()]);
    const changedTracks: AlertTrack[] = [...next.values()].map((s) => s.track);
    await args.store.writeAlertTracks(changedTracks);

    for (const [id, state] of next) states.set(id, state);
    for (const e of events) {
      args.metrics.alertEvents.inc({ event: e.event as 'raised' | 'cleared' });
      log.info({ alertId: e.alert.id, segmentId: e.alert.segmentId, los: e.alert.lastLos, event: e.event }, `alert ${e.event}`);
    }
    args.metrics.alertsActive.set(countActive());
  }

  // A new group starts at the end of the topic: alerts from now on, not a replay of the retained week.
  const subscription = await args.bus.consume({ groupId, topics: [topics.congestion], fromBeginning: false }, handle);
  return {
    groupId,
    active: () => [...states.values()].flatMap((s) => (s.alert ? [s.alert] : [])),
    async stop() {
      await subscription.stop();
    },
  };
}
