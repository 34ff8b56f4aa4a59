import type { SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { Reading } from '../contract/telemetry.ts';
import type { HealthConfig } from './health-config.ts';
import { healthKey, SensorTrack } from './sensor-track.ts';

/** Where a reading came from on the bus: re-delivered messages (a retried batch) are not observed twice. */
export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Sensor health from the stream of accepted readings, as the writer sees them (in order per
 * segment: a segment's readings are on one partition). Pure: no clock, no I/O. Bounded: per
 * sensor a SensorTrack; sensors not observed for two windows are forgotten.
 *
 * Duplicates are found here, where messages flow: the store overwrites a reading written twice.
 */
export class HealthTracker {
  private readonly sensors = new Map<string, SensorTrack>();
  private readonly bySegment = new Map<string, Set<SensorTrack>>();
  private readonly lastOffsets = new Map<string, number>();

  constructor(private readonly config: HealthConfig) {}

  get size(): number {
    return this.sensors.size;
  }

  /** Readings and the bus messages they came in (same index); messages at or below an observed offset are skipped. */
  observeMessages(readings: readonly Reading[], messages: readonly MessagePosition[]): void {
    if (readings.length === 0) return;
    const first = messages[0]!;
    const key = `${first.topic}\n${first.partition}`;
    const seen = this.lastOffsets.get(key) ?? -1;
    const lastOffset = Number(messages[messages.length - 1]!.offset);
    if (lastOffset <= seen) return;
    const allFresh = Number(first.offset) > seen;
    for (let i = 0; i < readings.length; i++) {
      if (allFresh || Number(messages[i]!.offset) > seen) this.observe(readings[i]!);
    }
    this.lastOffsets.set(key, lastOffset);
  }

  observe(r: Reading): void {
    let t = this.sensors.get(r.sensorId);
    if (!t) {
      t = new SensorTrack(r.sensorId, r.segmentId);
      this.sensors.set(r.sensorId, t);
      this.join(t);
    } else if (t.segmentId !== r.segmentId) {
      this.bySegment.get(t.segmentId)?.delete(t);
      t.segmentId = r.segmentId;
      this.join(t);
    }
    t.observe(r, this.config);
  }

  /**
   * Snapshots of the sensors observed since the last pass whose health changed (or never stored),
   * taken at `at` (writer clock). Call `stored` with them once the store accepted them.
   */
  changedSnapshots(at: number): SensorHealthSnapshot[] {
    const out: SensorHealthSnapshot[] = [];
    for (const t of this.sensors.values()) {
      if (!t.touched) {
        if (t.seenAt < at - 2 * this.config.windowMs) this.forget(t);
        continue;
      }
      t.touched = false;
      t.seenAt = at;
      const s = t.snapshot(at, this.isStuck(t));
      if (healthKey(s) !== t.writtenKey) out.push(s);
    }
    return out;
  }

  /** Marks snapshots as stored: they are not offered again until the sensor's health changes. */
  stored(snapshots: readonly SensorHealthSnapshot[]): void {
    for (const s of snapshots) {
      const t = this.sensors.get(s.sensorId);
      if (t) t.writtenKey = healthKey(s);
    }
  }

  /** Snapshots could not be stored: offer these sensors again next time. */
  notStored(snapshots: readonly SensorHealthSnapshot[]): void {
    for (const s of snapshots) {
      const t = this.sensors.get(s.sensorId);
      if (t) t.touched = true;
    }
  }

  /** K identical readings with vehicles in a row, while a neighbour on the segment had a reading that changed meanwhile. */
  private isStuck(t: SensorTrack): boolean {
    if (t.runLength < this.config.stuckReadings || !t.runHasVehicles) return false;
    for (const n of this.bySegment.get(t.segmentId) ?? []) if (n !== t && n.lastChangeTs >= t.runStart) return true;
    return false;
  }

  private join(t: SensorTrack): void {
    let set = this.bySegment.get(t.segmentId);
    if (!set) this.bySegment.set(t.segmentId, (set = new Set()));
    set.add(t);
  }

  private forget(t: SensorTrack): void {
    this.sensors.delete(t.sensorId);
    this.bySegment.get(t.segmentId)?.delete(t);
  }
}
