/** Pure congestion maths (DESIGN §5): no I/O. */
export { DEFAULT_PCU_WEIGHTS, pcuTotal, vehicleTotal, type PcuWeights } from './pcu.ts';
export { harmonicMeanSpeed, MIN_SPEED_KMH } from './speed.ts';
export { highwayLos, urbanLos } from './los.ts';
export { computeCongestion, type CongestionInput } from './congestion.ts';
export { rankCongestion, summariseCity, type CitySummary, type LosCounts } from './city-summary.ts';
