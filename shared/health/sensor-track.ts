import type { ImplausibleRule, SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { Reading } from '../contract/telemetry.ts';
import { Episode } from './episode.ts';
import type { HealthConfig } from './health-config.ts';
import { SeqWindow } from './seq-window.ts';

/** Lane flow is judged over buckets of this length (or of the interval, when longer). */
export const FLOW_BUCKET_MS = 300_000;

/**
 * What the health tracker keeps of one sensor: a few numbers, a 512-byte seq window (when it sends
 * seq) and up to two episodes, all made once; observing a reading allocates nothing.
 */
export class SensorTrack {
  segmentId: string;
  intervalS = 0;
  lastTs = Number.NEGATIVE_INFINITY;
  seq: SeqWindow | null = null;
  gapSince: number | null = null;
  // The run of identical readings (stuck): the values, how many in a row, since when, with vehicles?
  private c0 = -1;
  private c1 = -1;
  private c2 = -1;
  private c3 = -1;
  private c4 = -1;
  private c5 = -1;
  private speed: number | null = null;
  runLength = 0;
  runStart = 0;
  runHasVehicles = false;
  /** ts of the latest reading whose values differed from the one before (a neighbour "varies"). */
  lastChangeTs = Number.NEGATIVE_INFINITY;
  implausible: Episode | null = null;
  implausibleRule: ImplausibleRule = 'flow_above_max';
  implausibleValue = 0;
  duplicates: Episode | null = null;
  // The open flow bucket (implausible flow): its index, pcu and seconds so far.
  private bucket = -1;
  private bucketPcu = 0;
  private bucketSeconds = 0;
  /** Observed since the last snapshot pass. */
  touched = false;
  /** Writer clock of the last snapshot pass that found it touched. */
  seenAt = 0;
  /** What the last stored snapshot said (see healthKey). */
  writtenKey = '';

  constructor(readonly sensorId: string, segmentId: string) {
    this.segmentId = segmentId;
  }

  observe(r: Reading, config: HealthConfig): void {
    this.touched = true;
    if (r.intervalS !== this.intervalS) {
      this.intervalS = r.intervalS;
      this.seq?.resize(windowReadings(config, r.intervalS));
    }
    const later = r.ts > this.lastTs;
    let duplicate: boolean;
    if (r.seq !== null) {
      this.seq ??= new SeqWindow(windowReadings(config, r.intervalS));
      duplicate = this.seq.add(r.seq, later) === 'duplicate';
      if (this.seq.missing === 0) this.gapSince = null;
      else this.gapSince ??= r.ts;
    } else {
      duplicate = r.ts === this.lastTs;
    }
    if (duplicate) {
      (this.duplicates ??= new Episode()).hit(r.ts, config.windowMs);
      return; // a duplicate is no new measurement: it neither extends a run nor counts twice as implausible
    }
    this.checkPlausible(r, later, config);
    if (later) {
      this.lastTs = r.ts;
      this.extendRun(r);
    }
  }

  /**
   * Per reading: occupancy 1 while moving, a speed with no vehicle. Flow over 5-minute buckets (or
   * the interval when longer), judged when the bucket closes: a 30-second count is too noisy for a
   * flow limit (a platoon of 26 pcu in 30 s is traffic, not a fault), 5 minutes of it is not.
   */
  private checkPlausible(r: Reading, later: boolean, config: HealthConfig): void {
    const c = r.counts;
    const speed = r.speedKmh;
    if (r.occupancy !== null && r.occupancy >= 1 && speed !== null && speed > 0) this.implausibleHit(r.ts, 'occupied_but_moving', speed, config);
    else if (speed !== null && speed > 0 && c.motorbike + c.car + c.bus + c.truck + c.bicycle + c.other === 0) {
      this.implausibleHit(r.ts, 'speed_without_vehicles', speed, config);
    }
    if (!later) return;
    const bucketMs = Math.max(FLOW_BUCKET_MS, r.intervalS * 1000);
    const bucket = Math.floor(r.ts / bucketMs);
    if (bucket !== this.bucket) {
      if (this.bucketSeconds * 1000 >= bucketMs / 2) {
        const flow = (this.bucketPcu * 3600) / this.bucketSeconds;
        if (flow > config.maxFlowPcuPerHourPerLane) this.implausibleHit(this.lastTs, 'flow_above_max', Math.round(flow), config);
      }
      this.bucket = bucket;
      this.bucketPcu = 0;
      this.bucketSeconds = 0;
    }
    const w = config.weights;
    this.bucketPcu += c.motorbike * w.motorbike + c.car * w.car + c.bus * w.bus + c.truck * w.truck + c.bicycle * w.bicycle + c.other * w.other;
    this.bucketSeconds += r.intervalS;
  }

  private implausibleHit(ts: number, rule: ImplausibleRule, value: number, config: HealthConfig): void {
    (this.implausible ??= new Episode()).hit(ts, config.windowMs);
    this.implausibleRule = rule;
    this.implausibleValue = value;
  }

  private extendRun(r: Reading): void {
    const c = r.counts;
    const same =
      this.runLength > 0 && c.motorbike === this.c0 && c.car === this.c1 && c.bus === this.c2 &&
      c.truck === this.c3 && c.bicycle === this.c4 && c.other === this.c5 && r.speedKmh === this.speed;
    if (same) {
      this.runLength++;
      return;
    }
    if (this.runLength > 0) this.lastChangeTs = r.ts;
    this.c0 = c.motorbike;
    this.c1 = c.car;
    this.c2 = c.bus;
    this.c3 = c.truck;
    this.c4 = c.bicycle;
    this.c5 = c.other;
    this.speed = r.speedKmh;
    this.runLength = 1;
    this.runStart = r.ts;
    this.runHasVehicles = c.motorbike + c.car + c.bus + c.truck + c.bicycle + c.other > 0;
  }

  snapshot(at: number, stuck: boolean): SensorHealthSnapshot {
    const imp = this.implausible;
    const dup = this.duplicates;
    return {
      sensorId: this.sensorId,
      segmentId: this.segmentId,
      at,
      lastTs: Number.isFinite(this.lastTs) ? this.lastTs : 0,
      intervalS: Math.max(1, this.intervalS),
      stuck: stuck ? { since: this.runStart, readings: this.runLength } : null,
      implausible: imp ? { since: imp.since, lastAt: imp.lastAt, count: imp.count, rule: this.implausibleRule, value: this.implausibleValue } : null,
      gaps: this.seq ? { missing: this.seq.missing, expected: this.seq.expected, since: this.gapSince } : null,
      duplicates: dup ? { since: dup.since, lastAt: dup.lastAt, count: dup.count } : null,
    };
  }
}

/** Readings of a sensor in the window: seqs the gap count looks back over. */
export function windowReadings(config: HealthConfig, intervalS: number): number {
  return Math.max(1, Math.round(config.windowMs / (intervalS * 1000)));
}

/** The parts of a snapshot that change what the API shows; a snapshot is stored again only when they change. */
export function healthKey(s: SensorHealthSnapshot): string {
  const g = s.gaps;
  return [
    s.segmentId, s.intervalS, s.stuck?.since ?? '', s.implausible?.since ?? '', s.implausible?.count ?? '', s.implausible?.rule ?? '',
    g ? `${g.missing}/${g.missing > 0 ? g.expected : 0}/${g.since ?? ''}` : '', s.duplicates?.since ?? '', s.duplicates?.count ?? '',
  ].join('|');
}
