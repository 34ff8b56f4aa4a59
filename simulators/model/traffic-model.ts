import { upstreamSegments } from '../../shared/network/load-network.ts';
import type { RoadNetwork, RoadSegment } from '../../shared/network/road-segment.ts';
import { DEFAULT_DEMAND_PROFILES, VIETNAM_UTC_OFFSET_MIN, demandRatio, type DemandProfiles } from './demand-profile.ts';
import { CAPACITY_DROP, congestedDensity, congestedSpeed, uncongestedSpeed } from './fundamental-diagram.ts';
import { blockageAt, capacityFactorAt, type Incident } from './incidents.ts';
import { Prng } from './prng.ts';

export interface TrafficModelOptions {
  seed: number;
  /** Multiplies every segment's demand (1 = the profile as is). */
  demandScale: number;
  /** Each segment's demand is scaled by a fixed factor drawn in [1 − v, 1 + v]. */
  segmentVariation: number;
  profiles: DemandProfiles;
  utcOffsetMin: number;
  incidents: readonly Incident[];
}

export const DEFAULT_TRAFFIC_OPTIONS: Omit<TrafficModelOptions, 'seed'> = {
  demandScale: 1,
  segmentVariation: 0.08,
  profiles: DEFAULT_DEMAND_PROFILES,
  utcOffsetMin: VIETNAM_UTC_OFFSET_MIN,
  incidents: [],
};

/** What detectors on a segment see over one step (space-mean over the segment's length). */
export interface SegmentConditions {
  segment: RoadSegment;
  /** Flow past a detector, pcu/h per lane (averaged over the lanes). */
  flowPcuPerHourPerLane: number;
  speedKmh: number;
  /** Share of the segment's length standing in a queue, 0–1. */
  queueShare: number;
  /** An incident's blockage: the lanes it closes (their detectors downstream of it count almost nothing) and where. */
  blockage: { lanes: number[]; offsetM: number } | null;
}

interface SegmentState {
  segment: RoadSegment;
  demandFactor: number;
  noise: number;
  rng: Prng;
  /** pcu standing in the queue at the segment's downstream end. */
  queuePcu: number;
  /** pcu the queue can hold before it spills into the upstream segment(s). */
  storagePcu: number;
  upstream: string[];
  downstream: string[];
}

const NOISE_PERSISTENCE = 0.9; // AR(1) φ of the demand fluctuation per step
const NOISE_SD = 0.03;

/**
 * A spatial-queue model of the network: each segment gets its demand from the day profile;
 * when demand exceeds what the segment can discharge (its capacity, lower after breakdown or with
 * lanes blocked), a queue grows back from its downstream end; a queue longer than the segment
 * spills into the upstream segment(s) (`upstreamSegments`), whose discharge it holds back.
 * Speeds come from the fundamental diagram: the free part on the uncongested branch at the
 * arriving flow, the queue on the congested branch at the discharge flow.
 * Simplification: demand is per segment, so a bottleneck does not starve the segments downstream.
 */
export class TrafficModel {
  private readonly states = new Map<string, SegmentState>();
  private readonly opts: TrafficModelOptions;

  constructor(network: RoadNetwork, options: Partial<TrafficModelOptions> & { seed: number }) {
    this.opts = { ...DEFAULT_TRAFFIC_OPTIONS, ...options };
    for (const segment of network.segments) {
      const rng = Prng.derive(this.opts.seed, 'segment', segment.id);
      const lane = laneDiagram(segment);
      this.states.set(segment.id, {
        segment,
        demandFactor: 1 + this.opts.segmentVariation * (2 * rng.next() - 1),
        noise: 0,
        rng,
        queuePcu: 0,
        storagePcu: (segment.lengthM / 1000) * segment.lanes * congestedDensity(lane, (1 - CAPACITY_DROP) * lane.capacityPcuPerHourPerLane),
        upstream: upstreamSegments(network, segment.id).map((s) => s.id),
        downstream: [],
      });
    }
    for (const s of this.states.values()) for (const id of s.upstream) this.states.get(id)!.downstream.push(s.segment.id);
  }

  /** Demand in pcu/h (all lanes) of a segment at an instant, before the random fluctuation. */
  demandPcuPerHour(segment: RoadSegment, atMs: number): number {
    const state = this.states.get(segment.id);
    const ratio = demandRatio(segment.kind, atMs, this.opts.profiles, this.opts.utcOffsetMin);
    return ratio * this.opts.demandScale * (state?.demandFactor ?? 1) * segment.capacityPcuPerHourPerLane * segment.lanes;
  }

  /** Advances every segment over [fromMs, toMs) and returns what its detectors see. */
  step(fromMs: number, toMs: number): Map<string, SegmentConditions> {
    const hours = (toMs - fromMs) / 3_600_000;
    const mid = (fromMs + toMs) / 2;
    const arrived = new Map<string, number>();
    const out = new Map<string, number>();

    for (const s of this.states.values()) {
      s.noise = NOISE_PERSISTENCE * s.noise + Math.sqrt(1 - NOISE_PERSISTENCE ** 2) * NOISE_SD * s.rng.normal();
      const arrivals = Math.max(0, this.demandPcuPerHour(s.segment, mid) * (1 + s.noise) * hours);
      const capacity = this.dischargeCapacity(s, mid) * hours;
      const served = Math.min(s.queuePcu + arrivals, capacity);
      s.queuePcu += arrivals - served;
      arrived.set(s.segment.id, arrivals);
      out.set(s.segment.id, served);
    }
    this.spillBack();
    this.holdBackDischarge(out);

    const conditions = new Map<string, SegmentConditions>();
    for (const s of this.states.values()) {
      conditions.set(s.segment.id, this.conditionsOf(s, (arrived.get(s.segment.id) ?? 0) / hours, (out.get(s.segment.id) ?? 0) / hours, mid));
    }
    return conditions;
  }

  /** Queue (pcu) standing on a segment now; for tests and the progress display. */
  queuePcu(segmentId: string): number {
    return this.states.get(segmentId)?.queuePcu ?? 0;
  }

  private dischargeCapacity(s: SegmentState, atMs: number): number {
    const base = s.segment.capacityPcuPerHourPerLane * s.segment.lanes;
    const incident = capacityFactorAt(s.segment, this.opts.incidents, atMs);
    if (incident < 1) return base * incident; // HCM incident capacities are discharge rates already
    // Breakdown of its own (not a queue spilled in from downstream): the queue discharges below capacity.
    return s.queuePcu > 0 && !this.isHeldBack(s) ? base * (1 - CAPACITY_DROP) : base;
  }

  /** A downstream segment is full: this segment's queue is one that spilled back into it. */
  private isHeldBack(s: SegmentState): boolean {
    return s.downstream.some((id) => this.isFull(this.states.get(id)!));
  }

  private isFull(s: SegmentState): boolean {
    return s.queuePcu >= s.storagePcu - 1e-6;
  }

  /** A queue longer than its segment moves into the upstream segment(s). */
  private spillBack(): void {
    for (let pass = 0; pass < this.states.size; pass++) {
      let moved = false;
      for (const s of this.states.values()) {
        const excess = s.queuePcu - s.storagePcu;
        if (excess <= 1e-9) continue;
        s.queuePcu = s.storagePcu;
        moved = true;
        for (const id of s.upstream) this.states.get(id)!.queuePcu += excess / s.upstream.length;
      }
      if (!moved) return;
    }
  }

  /** Traffic queued behind a full segment moves no faster than that segment discharges. */
  private holdBackDischarge(out: Map<string, number>): void {
    for (let pass = 0; pass < this.states.size; pass++) {
      let changed = false;
      for (const s of this.states.values()) {
        for (const id of s.downstream) {
          const d = this.states.get(id)!;
          const limit = out.get(id) ?? 0;
          if (this.isFull(d) && (out.get(s.segment.id) ?? 0) > limit + 1e-9) {
            out.set(s.segment.id, limit);
            changed = true;
          }
        }
      }
      if (!changed) return;
    }
  }

  private conditionsOf(s: SegmentState, arrivingPcuh: number, outPcuh: number, atMs: number): SegmentConditions {
    const { segment } = s;
    const lane = laneDiagram(segment);
    const perLane = (q: number) => q / segment.lanes;
    // A detector cannot count more than the road carries.
    const arriving = Math.min(perLane(arrivingPcuh), lane.capacityPcuPerHourPerLane);
    const discharging = perLane(outPcuh);
    const queueShare = s.storagePcu > 0 ? Math.min(1, s.queuePcu / s.storagePcu) : 0;
    const freeSpeed = uncongestedSpeed(lane, arriving);
    const queueSpeed = congestedSpeed(lane, discharging);
    // Space-mean speed: the segment's length over its travel time through the free part and the queue.
    const hoursPerKm = (1 - queueShare) / freeSpeed + queueShare / queueSpeed;
    return {
      segment,
      flowPcuPerHourPerLane: queueShare > 0 ? (1 - queueShare) * arriving + queueShare * discharging : arriving,
      speedKmh: 1 / hoursPerKm,
      queueShare,
      blockage: blockageAt(segment, this.opts.incidents, atMs),
    };
  }
}

export function laneDiagram(segment: RoadSegment) {
  return { freeFlowKmh: segment.freeFlowKmh, capacityPcuPerHourPerLane: segment.capacityPcuPerHourPerLane };
}
