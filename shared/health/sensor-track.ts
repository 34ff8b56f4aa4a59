import type { ImplausibleRule, SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { Reading } from '../contract/telemetry.ts';
import { Episode } from './episode.ts';
import type { HealthConfig } from './health-config.ts';
import { SeqWindow } from './seq-window.ts';

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
    this.checkPlausible(r, config);
    if (later) {
      this.lastTs = r.ts;
      this.extendRun(r);
    }
  }

  private checkPlausible(r: Reading, config: HealthConfig): void {
    const c = r.counts;
    const w = config.weights;
    const vehicles = c.motorbike + c.car + c.bus + c.truck + c.bicycle + c.other;
    const speed = r.speedKmh;
    let rule: ImplausibleRule | null = null;
    let value = 0;
    if (vehicles > 0) {
      const pcu = c.motorbike * w.motorbike + c.car * w.car + c.bus * w.bus + c.truck * w.truck + c.bicycle * w.bicycle + c.other * w.other;
      // Less one vehicle (the heaviest counted): a count of n has n − 1 headways inside the interval.
      const heaviest = Math.max(
        c.motorbike > 0 ? w.motorbike : 0, c.car > 0 ? w.car : 0, c.bus > 0 ? w.bus : 0,
        c.truck > 0 ? w.truck : 0, c.bicycle > 0 ? w.bicycle : 0, c.other > 0 ? w.other : 0,
      );
      if (((pcu - heaviest) * 3600) / r.intervalS > config.maxFlowPcuPerHourPerLane) {
        rule = 'flow_above_max';
        value = Math.round((pcu * 3600) / r.intervalS);
      }
    }
    if (rule === null && r.occupancy !== null && r.occupancy >= 1 && speed !== null && speed > 0) {
      rule = 'occupied_but_moving';
      value = speed;
    } else if (rule === null && vehicles === 0 && speed !== null && speed > 0) {
      rule = 'speed_without_vehicles';
      value = speed;
    }
    if (rule === null) return;
    (this.implausible ??= new Episode()).hit(r.ts, config.windowMs);
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
