import type { HealthState } from '../contract/sensor-health.ts';
import type { HealthConfig } from '../health/health-config.ts';
import { evaluateHealth } from '../health/evaluate-health.ts';
import type { Store } from '../ports/store.ts';

/**
 * The sensors whose latest health snapshot shows a measured fault at `at` (stuck, implausible,
 * gappy, duplicating): what a congestion record's data quality counts among its reporting sensors.
 * Silence (stale, offline) is not counted here: sensorsReporting / sensorsKnown already tells it.
 * One query of the snapshots (a row per sensor), whatever the number of segments.
 */
const MEASURED_FAULTS: ReadonlySet<HealthState> = new Set(['implausible', 'stuck', 'gappy', 'duplicating']);

export async function faultySensorsAt(store: Store, config: HealthConfig, at: number): Promise<Set<string>> {
  const faulty = new Set<string>();
  for (const snapshot of await store.sensorHealth()) {
    const summary = {
      sensorId: snapshot.sensorId, segmentId: snapshot.segmentId, lastReadingAt: snapshot.lastTs, accepted: 0, rejected: 0, state: null, stateAt: null,
    };
    const { reasons } = evaluateHealth({ summary, snapshot, now: Math.max(at, snapshot.lastTs) }, config);
    if (reasons.some((r) => MEASURED_FAULTS.has(r.code))) faulty.add(snapshot.sensorId);
  }
  return faulty;
}
