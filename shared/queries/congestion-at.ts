import { WINDOWS, type CongestionRecord, type WindowName } from '../contract/congestion-record.ts';
import type { RoadNetwork, RoadSegment } from '../network/road-segment.ts';
import type { Store } from '../ports/store.ts';
import { computeCongestion } from '../traffic/congestion.ts';
import type { PcuWeights } from '../traffic/pcu.ts';
import { healthConfigFrom, type HealthConfig } from '../health/health-config.ts';
import { faultySensorsAt } from './faulty-sensors.ts';

export interface CongestionQueryContext {
  store: Store;
  network: RoadNetwork;
  weights: PcuWeights;
  /** A sensor is "known" for a segment if it reported within this long before the window end. */
  sensorKnownMs: number;
  /** Sensor health thresholds: with them, records count their faulty sensors (sensorsFaulty). */
  health?: HealthConfig;
}

/**
 * The congestion records of some segments (default: all) for the window [to − W, to), computed
 * from the stored readings summed per detector by the store — the one way both the aggregator and
 * the API derive congestion.
 */
export async function congestionAt(
  ctx: CongestionQueryContext,
  window: WindowName,
  to: number,
  segments: readonly RoadSegment[] = ctx.network.segments,
): Promise<CongestionRecord[]> {
  const from = to - WINDOWS[window];
  const ids = segments.map((s) => s.id);
  const [detectors, known, faultySensors] = await Promise.all([
    ctx.store.detectorTotals({ from, to }, ids),
    ctx.store.segmentActivity({ from: to - ctx.sensorKnownMs, to }, ids),
    ctx.health ? faultySensorsAt(ctx.store, ctx.health, to) : undefined,
  ]);
  const bySegment = new Map<string, typeof detectors>();
  for (const d of detectors) {
    const list = bySegment.get(d.segmentId);
    if (list) list.push(d);
    else bySegment.set(d.segmentId, [d]);
  }
  return segments.map((segment) => {
    const activity = known.get(segment.id);
    return computeCongestion({
      segment,
      window,
      to,
      detectors: bySegment.get(segment.id) ?? [],
      sensorsKnown: activity?.sensors ?? 0,
      lastReadingBefore: activity?.lastReadingAt ?? null,
      weights: ctx.weights,
      ...(faultySensors ? { faultySensors } : {}),
    });
  });
}

/** The query context as configured (PCU weights, how long a sensor stays "known"). */
export function queryContextFrom(
  config: Parameters<typeof healthConfigFrom>[0] & { ROADPULSE_SENSOR_KNOWN_H: number },
  store: Store,
  network: RoadNetwork,
): CongestionQueryContext {
  return {
    store, network, weights: config.ROADPULSE_PCU_WEIGHTS, sensorKnownMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000, health: healthConfigFrom(config),
  };
}
