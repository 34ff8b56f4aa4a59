import { HEALTH_STATES, severityOf, type HealthState, type SensorHealth } from '../contract/sensor-health.ts';
import { evaluateHealth } from '../health/evaluate-health.ts';
import type { HealthConfig } from '../health/health-config.ts';
import type { SensorSummary, Store } from '../ports/store.ts';

export interface SensorWithHealth extends SensorSummary {
  health: SensorHealth;
}

export interface SensorViewOptions {
  now: number;
  /** How far back accepted and rejected readings count (ROADPULSE_SENSOR_KNOWN_H). */
  viewMs: number;
}

/** Every sensor seen in the view period with its health at `now`: the store's summaries and health snapshots, judged here. */
export async function sensorsWithHealth(store: Store, config: HealthConfig, o: SensorViewOptions): Promise<SensorWithHealth[]> {
  // The upper bound leaves room for readings stamped a little in the future (accepted up to 5 min).
  const [summaries, snapshots] = await Promise.all([store.sensors({ from: o.now - o.viewMs, to: o.now + 3600_000 }), store.sensorHealth()]);
  const snapshotOf = new Map(snapshots.map((s) => [s.sensorId, s]));
  const byId = new Map(summaries.map((s) => [s.sensorId, s]));
  return summaries.map((summary) => {
    const gatewayId = summary.sensorId.includes('.') ? summary.sensorId.slice(0, summary.sensorId.indexOf('.')) : null;
    const gw = gatewayId === null ? undefined : byId.get(gatewayId);
    const gateway = gw && gw.state !== null ? { id: gw.sensorId, state: gw.state, at: gw.stateAt } : undefined;
    const health = evaluateHealth({ summary, snapshot: snapshotOf.get(summary.sensorId), gateway, now: o.now }, config);
    return { ...summary, health };
  });
}

export function emptyStateCounts(): Record<HealthState, number> {
  return Object.fromEntries(HEALTH_STATES.map((s) => [s, 0])) as Record<HealthState, number>;
}

/** Sensors per state, every state present. */
export function countByState(sensors: readonly { health: SensorHealth }[]): Record<HealthState, number> {
  const counts = emptyStateCounts();
  for (const s of sensors) counts[s.health.state]++;
  return counts;
}

/** The unhealthy sensors, most severe first; within a state the one in it longest first, then by id. */
export function worstSensors<T extends { sensorId: string; health: SensorHealth }>(sensors: readonly T[], limit: number): T[] {
  return sensors
    .filter((s) => s.health.state !== 'online')
    .sort(
      (a, b) =>
        severityOf(a.health.state) - severityOf(b.health.state) ||
        (a.health.since ?? '').localeCompare(b.health.since ?? '') ||
        a.sensorId.localeCompare(b.sensorId),
    )
    .slice(0, limit);
}
