/**
 * Greenshields' fundamental diagram per lane, in passenger-car units, so it speaks the same units
 * as the congestion maths (DESIGN §5): speed falls linearly with density,
 *   v(k) = v_f · (1 − k / k_j),   q(k) = k · v(k),
 * with jam density k_j = 4 · c / v_f, so the flow peaks at capacity c at k_c = k_j / 2, v = v_f / 2.
 * Beyond capacity the flow breaks down: a queue discharges on the congested branch, at a rate
 * below the pre-breakdown capacity (the "capacity drop").
 */
export interface LaneDiagram {
  freeFlowKmh: number;
  capacityPcuPerHourPerLane: number;
}

/** Queue discharge after breakdown is this share below capacity (observed 5–15 %; 10 % here). */
export const CAPACITY_DROP = 0.1;
/** A standing queue still creeps; also keeps travel times finite. */
export const MIN_QUEUE_SPEED_KMH = 3;

/** pcu/km/lane at which traffic stands still. */
export function jamDensity(d: LaneDiagram): number {
  return (4 * d.capacityPcuPerHourPerLane) / d.freeFlowKmh;
}

/** Speed at density k (pcu/km/lane), on either branch. */
export function speedAtDensity(d: LaneDiagram, k: number): number {
  return Math.max(0, d.freeFlowKmh * (1 - k / jamDensity(d)));
}

/** Flow (pcu/h/lane) at density k. */
export function flowAtDensity(d: LaneDiagram, k: number): number {
  return k * speedAtDensity(d, k);
}

/** √(1 − q/c), with q/c clamped to [0, 1]. */
function slack(d: LaneDiagram, q: number): number {
  return Math.sqrt(1 - Math.min(1, Math.max(0, q / d.capacityPcuPerHourPerLane)));
}

/** Speed of free-flowing traffic carrying q pcu/h/lane (uncongested branch; v_f / 2 at or above capacity). */
export function uncongestedSpeed(d: LaneDiagram, q: number): number {
  return (d.freeFlowKmh / 2) * (1 + slack(d, q));
}

/** Speed inside a queue that discharges q pcu/h/lane (congested branch), at least MIN_QUEUE_SPEED_KMH. */
export function congestedSpeed(d: LaneDiagram, q: number): number {
  return Math.max(MIN_QUEUE_SPEED_KMH, (d.freeFlowKmh / 2) * (1 - slack(d, q)));
}

/** Density inside a queue that discharges q pcu/h/lane (congested branch). */
export function congestedDensity(d: LaneDiagram, q: number): number {
  return (jamDensity(d) / 2) * (1 + slack(d, q));
}

/**
 * Share of a road's capacity left when `blocked` of its `lanes` lanes are closed by an incident
 * (HCM 2010 Exhibit 10-17, freeway incidents: rubbernecking and merging cost more than the lane).
 * At least 5 %: motorbikes and the shoulder keep something moving even when every lane is closed.
 */
export function incidentCapacityFactor(lanes: number, blocked: number): number {
  if (blocked <= 0) return 1;
  const table: Record<number, readonly number[]> = {
    2: [0.35, 0],
    3: [0.49, 0.17],
    4: [0.58, 0.25, 0.13],
    5: [0.65, 0.4, 0.2],
    6: [0.71, 0.5, 0.26],
  };
  const row = table[Math.min(6, lanes)];
  const factor = blocked >= lanes || !row ? 0 : (row[blocked - 1] ?? 0);
  return Math.max(0.05, factor);
}
