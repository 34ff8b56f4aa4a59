import { severityOf, type HealthReason, type HealthState, type SensorHealth, type SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { SensorSummary } from '../ports/store.ts';
import type { HealthConfig } from './health-config.ts';

/** Interval assumed for stale when the writer has not stored a snapshot of the sensor yet. */
export const DEFAULT_INTERVAL_S = 60;

export interface HealthInputs {
  summary: SensorSummary;
  snapshot: SensorHealthSnapshot | undefined;
  /** The status of the sensor's gateway (`{gatewayId}.{local}` ids, DESIGN §2), when the sensor has none of its own. */
  gateway?: { id: string; state: SensorSummary['state']; at: number | null };
  now: number;
}

interface Found {
  code: HealthState;
  detail: string;
  since: number | null;
}

/**
 * A sensor's health at `now` (query time): offline and stale from its status and last reading;
 * implausible, stuck, gappy and duplicating from the writer's snapshot, judged over the sensor's
 * latest window of readings. Every reason found is listed, most severe first; the state is the
 * first one's (README "Sensor health").
 */
export function evaluateHealth(input: HealthInputs, config: HealthConfig): SensorHealth {
  const { summary, snapshot: snap, now } = input;
  const found: Found[] = [];
  const lastReading = summary.lastReadingAt;

  const own = summary.state !== null ? { id: summary.sensorId, state: summary.state, at: summary.stateAt } : undefined;
  const status = own ?? input.gateway;
  if (status?.state === 'offline' && (lastReading === null || status.at === null || lastReading <= status.at)) {
    const who = status.id === summary.sensorId ? 'status' : `gateway ${status.id}'s status`;
    found.push({ code: 'offline', detail: `${who} is offline (last will or status message) and no reading came since`, since: status.at });
  }

  const intervalS = snap?.intervalS ?? DEFAULT_INTERVAL_S;
  const staleMs = config.staleIntervals * intervalS * 1000;
  if (lastReading !== null && now - lastReading > staleMs) {
    const minutes = ((now - lastReading) / 60_000).toFixed(1);
    found.push({
      code: 'stale',
      detail: `no reading for ${minutes} min (more than ${config.staleIntervals} intervals of ${intervalS} s)`,
      since: lastReading + staleMs,
    });
  }
  // Without an accepted reading in the view period (a cabinet, or a sensor whose readings are all
  // rejected: its rejected count tells), only the status speaks.

  if (snap) {
    const latest = Math.max(lastReading ?? 0, snap.lastTs);
    const inWindow = (t: number) => t >= latest - config.windowMs;
    const windowMin = config.windowMs / 60_000;
    const imp = snap.implausible;
    if (imp && inWindow(imp.lastAt)) {
      found.push({ code: 'implausible', detail: `${imp.count} implausible reading(s) in the last ${windowMin} min of readings; latest: ${ruleText(imp.rule, imp.value, config)}`, since: imp.since });
    }
    if (snap.stuck) {
      found.push({
        code: 'stuck',
        detail: `${snap.stuck.readings} identical readings (counts and speed) in a row while a neighbour on ${snap.segmentId} varies`,
        since: snap.stuck.since,
      });
    }
    const gaps = snap.gaps;
    if (gaps && gaps.expected > 0 && gaps.missing > 0 && gaps.missing / gaps.expected > config.gapShare) {
      const share = gaps.missing / gaps.expected;
      found.push({
        code: 'gappy',
        detail: `${gaps.missing} of ${gaps.expected} seq numbers missing in the last ${windowMin} min of readings (${(share * 100).toFixed(1)} %)`,
        since: gaps.since,
      });
    }
    const dup = snap.duplicates;
    if (dup && inWindow(dup.lastAt)) {
      found.push({ code: 'duplicating', detail: `${dup.count} reading(s) received again (same seq and ts) in the last ${windowMin} min of readings`, since: dup.since });
    }
  }

  found.sort((a, b) => severityOf(a.code) - severityOf(b.code));
  const top = found[0];
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const health: SensorHealth = {
    state: top?.code ?? 'online',
    since: top ? iso(top.since) : own?.state === 'online' ? iso(own.at) : null,
    reasons: found.map((f): HealthReason => ({ code: f.code, detail: f.detail, since: iso(f.since) })),
  };
  const gaps = snap?.gaps;
  if (gaps && gaps.expected > 0) health.gapShare = Number((gaps.missing / gaps.expected).toFixed(4));
  return health;
}

function ruleText(rule: NonNullable<SensorHealthSnapshot['implausible']>['rule'], value: number, config: HealthConfig): string {
  switch (rule) {
    case 'flow_above_max':
      return `lane flow ${value} pcu/h above ${config.maxFlowPcuPerHourPerLane}`;
    case 'occupied_but_moving':
      return `occupancy 1 with speed ${value} km/h`;
    case 'speed_without_vehicles':
      return `speed ${value} km/h with no vehicle counted`;
  }
}
