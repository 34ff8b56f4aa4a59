import type { HealthState } from '../contract/sensor-health.ts';
import type { HealthConfig } from '../health/health-config.ts';
import type { Store } from '../ports/store.ts';
import { emptyStateCounts, sensorsWithHealth, type SensorViewOptions, type SensorWithHealth } from './sensor-health.ts';

/** Health of a segment's sensors (those whose latest reading in the view period is on it). */
export interface SegmentSensorHealth {
  sensors: number;
  /** Sensors in any state but online: what the congestion record's data quality carries. */
  unhealthy: number;
  byState: Record<HealthState, number>;
}

/** Per segment id, from sensors already judged (sensorsWithHealth); segments without sensors are absent. */
export function segmentHealthOf(sensors: readonly SensorWithHealth[]): Map<string, SegmentSensorHealth> {
  const out = new Map<string, SegmentSensorHealth>();
  for (const s of sensors) {
    if (s.segmentId === null) continue;
    let h = out.get(s.segmentId);
    if (!h) out.set(s.segmentId, (h = { sensors: 0, unhealthy: 0, byState: emptyStateCounts() }));
    h.sensors++;
    h.byState[s.health.state]++;
    if (s.health.state !== 'online') h.unhealthy++;
  }
  return out;
}

/** The same from the store: one sensor view query and one health snapshot query for all segments. */
export async function segmentSensorHealth(store: Store, config: HealthConfig, o: SensorViewOptions): Promise<Map<string, SegmentSensorHealth>> {
  return segmentHealthOf(await sensorsWithHealth(store, config, o));
}
