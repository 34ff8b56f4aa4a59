import { DEFAULT_HEALTH_CONFIG } from '../../shared/health/health-config.ts';
import { countByState, sensorsWithHealth } from '../../shared/queries/sensor-health.ts';
import type { ApiDeps } from './api-deps.ts';

/**
 * Counts of one scrape serve the scrapes of the next second too: judging every sensor costs a
 * sensor-view query on the thread that acknowledges MQTT, and a load test polls /metrics ten times
 * a second (bench/RESULTS.md, sixth round).
 */
const REUSE_MS = 1_000;

/** Sensors per health state now, for roadpulse_sensors{state}; a failing store leaves the scrape without them (logged). */
export function sensorStateCounter(deps: ApiDeps): () => Promise<Record<string, number>> {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: 'sensor-state-gauge' });
  let last: { at: number; counts: Promise<Record<string, number>> } | null = null;
  const count = async (): Promise<Record<string, number>> => {
    try {
      return countByState(await sensorsWithHealth(deps.query.store, deps.health ?? DEFAULT_HEALTH_CONFIG, { now: now(), viewMs: deps.sensorViewMs }));
    } catch (err) {
      log.warn({ err }, 'sensor health not counted for /metrics');
      return {};
    }
  };
  return () => {
    const t = Date.now();
    if (!last || t - last.at >= REUSE_MS) last = { at: t, counts: count() };
    return last.counts;
  };
}
