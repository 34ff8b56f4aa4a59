import { DEFAULT_PCU_WEIGHTS, type PcuWeights } from '../traffic/pcu.ts';

/** Thresholds of the sensor health diagnostics (ROADPULSE_HEALTH_*, shared/config/schema.ts). */
export interface HealthConfig {
  /** stale: no reading for this many of the sensor's intervals. */
  staleIntervals: number;
  /** stuck: this many identical readings in a row. */
  stuckReadings: number;
  /** implausible: flow above this (pcu/h/lane). */
  maxFlowPcuPerHourPerLane: number;
  /** gappy, duplicating, implausible look at the sensor's readings of this long (ms). */
  windowMs: number;
  /** gappy: more than this share of seq numbers missing (0: any). */
  gapShare: number;
  /** How often the writer stores changed health snapshots (ms). */
  snapshotMs: number;
  weights: Readonly<PcuWeights>;
}

export const DEFAULT_HEALTH_CONFIG: HealthConfig = {
  staleIntervals: 3,
  stuckReadings: 5,
  maxFlowPcuPerHourPerLane: 3000,
  windowMs: 3_600_000,
  gapShare: 0,
  snapshotMs: 5_000,
  weights: DEFAULT_PCU_WEIGHTS,
};

export function healthConfigFrom(config: {
  ROADPULSE_HEALTH_STALE_INTERVALS: number;
  ROADPULSE_HEALTH_STUCK_READINGS: number;
  ROADPULSE_HEALTH_MAX_FLOW_PCU: number;
  ROADPULSE_HEALTH_WINDOW_MIN: number;
  ROADPULSE_HEALTH_GAP_SHARE: number;
  ROADPULSE_HEALTH_SNAPSHOT_S: number;
  ROADPULSE_PCU_WEIGHTS: PcuWeights;
}): HealthConfig {
  return {
    staleIntervals: config.ROADPULSE_HEALTH_STALE_INTERVALS,
    stuckReadings: config.ROADPULSE_HEALTH_STUCK_READINGS,
    maxFlowPcuPerHourPerLane: config.ROADPULSE_HEALTH_MAX_FLOW_PCU,
    windowMs: config.ROADPULSE_HEALTH_WINDOW_MIN * 60_000,
    gapShare: config.ROADPULSE_HEALTH_GAP_SHARE,
    snapshotMs: config.ROADPULSE_HEALTH_SNAPSHOT_S * 1000,
    weights: config.ROADPULSE_PCU_WEIGHTS,
  };
}
