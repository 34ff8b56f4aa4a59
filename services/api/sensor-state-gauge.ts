import { DEFAULT_HEALTH_CONFIG } from '../../shared/health/health-config.ts';
import { countByState, sensorsWithHealth } from '../../shared/queries/sensor-health.ts';
import type { ApiDeps } from './api-deps.ts';

/** Sensors per health state now, for roadpulse_sensors{state}; a failing store leaves the scrape without them (logged). */
export function sensorStateCounter(deps: ApiDeps): () => Promise<Record<string, number>> {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: 'sensor-state-gauge' });
  return async () => {
    try {
      return countByState(await sensorsWithHealth(deps.query.store, deps.health ?? DEFAULT_HEALTH_CONFIG, { now: now(), viewMs: deps.sensorViewMs }));
    } catch (err) {
      log.warn({ err }, 'sensor health not counted for /metrics');
      return {};
    }
  };
}
