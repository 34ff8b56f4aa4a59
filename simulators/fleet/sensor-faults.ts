import type { HealthState } from '../../shared/contract/sensor-health.ts';
import { mqttStatusTopic } from '../../shared/contract/topics.ts';
import { Prng } from '../model/prng.ts';
import type { Unit } from './faults.ts';
import type { Detector, FleetLayout } from './layout.ts';
import type { OutMessage } from './messages.ts';

/**
 * Faults of whole sensors (`--sensor-faults stuck=2,dropout=1,…`): unlike `--faults`, which hits a
 * share of readings anywhere in the fleet, each of these picks that many detectors and keeps the
 * fault on them for the run, so that each shows as exactly one health state (README "Sensor health"):
 * - stuck: from its first reading with vehicles on, repeats that reading's counts, speed and occupancy → stuck;
 * - dropout: every 4th reading (seq ≡ 3 mod 4) is never sent → gappy;
 * - duplicate: every 5th reading (seq ≡ 2 mod 5) is sent twice → duplicating;
 * - implausible: counts cars at 5,000 pcu/h more than it sees, more than a lane can pass → implausible;
 * - silent: sends nothing from `fromTick` on → stale;
 * - offline: at `fromTick` says {"state":"offline"} on its status topic and sends nothing more → offline.
 * At most one faulty detector per segment, so every faulty one has healthy neighbours; stuck ones
 * only on segments with another detector (stuck needs a neighbour that varies), offline ones only
 * among detectors with their own connection (a batching cabinet's status covers all its detectors).
 */
export const SENSOR_FAULT_KINDS = ['stuck', 'dropout', 'duplicate', 'implausible', 'silent', 'offline'] as const;
export type SensorFaultKind = (typeof SENSOR_FAULT_KINDS)[number];

/** The health state each sensor fault must produce. */
export const SENSOR_FAULT_STATE: Record<SensorFaultKind, HealthState> = {
  stuck: 'stuck',
  dropout: 'gappy',
  duplicate: 'duplicating',
  implausible: 'implausible',
  silent: 'stale',
  offline: 'offline',
};

export interface SensorFaultConfig {
  counts: Partial<Record<SensorFaultKind, number>>;
  /** Tick from which silent and offline detectors stop. */
  fromTick: number;
}

export const NO_SENSOR_FAULTS: SensorFaultConfig = { counts: {}, fromTick: 0 };
const OFFLINE = JSON.stringify({ state: 'offline', source: 'roadpulse-simulator' });
/** Cars a faulty detector adds to an implausible reading, per second of its interval: 5,000 pcu/h. */
const IMPLAUSIBLE_CARS_PER_S = 5000 / 3600;

export class SensorFaults {
  /** sensorId → its fault. */
  readonly assigned = new Map<string, SensorFaultKind>();
  private readonly stuckOn = new Map<string, Unit['reading']>();

  constructor(layout: FleetLayout, private readonly config: SensorFaultConfig, seed: number, lone: (d: Detector) => boolean) {
    const wanted = SENSOR_FAULT_KINDS.filter((k) => (config.counts[k] ?? 0) > 0);
    if (wanted.length === 0) return;
    const rng = Prng.derive(seed, 'sensor-faults');
    const perSegment = new Map<string, number>();
    for (const d of layout.detectors) perSegment.set(d.segmentId, (perSegment.get(d.segmentId) ?? 0) + 1);
    const pool = [...layout.detectors];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const usedSegments = new Set<string>();
    // The most constrained kinds pick first.
    for (const kind of ['offline', 'stuck', ...wanted.filter((k) => k !== 'offline' && k !== 'stuck')] as SensorFaultKind[]) {
      let left = config.counts[kind] ?? 0;
      for (const d of pool) {
        if (left === 0) break;
        if (usedSegments.has(d.segmentId)) continue;
        if (kind === 'stuck' && (perSegment.get(d.segmentId) ?? 0) < 2) continue;
        if (kind === 'offline' && !lone(d)) continue;
        this.assigned.set(d.sensorId, kind);
        usedSegments.add(d.segmentId);
        left--;
      }
      if (left > 0) {
        throw new Error(`--sensor-faults: not enough detectors for ${kind}=${config.counts[kind]} (one faulty detector per segment` +
          `${kind === 'stuck' ? ', on segments with two or more' : kind === 'offline' ? ', with their own connection' : ''}); add --sensors`);
      }
    }
  }

  /** The units of one detector's reading at `tick`, after its sensor fault (if any). */
  apply(units: Unit[], tick: number): Unit[] {
    const first = units[0];
    const kind = first ? this.assigned.get(first.reading.sensorId) : undefined;
    if (!first || !kind) return units;
    const seq = first.reading.seq;
    switch (kind) {
      case 'stuck':
        return units.map((u) => {
          const held = this.stuckOn.get(u.reading.sensorId);
          if (held) return { ...u, reading: { ...u.reading, counts: { ...held.counts }, speedKmh: held.speedKmh, occupancy: held.occupancy } };
          if (u.reading.speedKmh !== null && Object.values(u.reading.counts).some((n) => (n ?? 0) > 0)) this.stuckOn.set(u.reading.sensorId, u.reading);
          return u;
        });
      case 'dropout':
        return seq % 4 === 3 ? [] : units;
      case 'duplicate':
        return seq % 5 === 2 ? units.flatMap((u) => [u, { ...u, reading: { ...u.reading } }]) : units;
      case 'implausible':
        return units.map((u) => {
          const extra = Math.ceil(u.reading.intervalS * IMPLAUSIBLE_CARS_PER_S);
          return { ...u, reading: { ...u.reading, counts: { ...u.reading.counts, car: (u.reading.counts.car ?? 0) + extra } } };
        });
      case 'silent':
      case 'offline':
        return tick >= this.config.fromTick ? [] : units;
    }
  }

  /** Status messages to send at `tick`: the offline detectors say so at `fromTick`. */
  statusMessages(tick: number): OutMessage[] {
    if (tick !== this.config.fromTick) return [];
    return [...this.assigned].filter(([, k]) => k === 'offline').map(([id]) => ({ clientKey: id, topic: mqttStatusTopic(id), topicId: id, payload: OFFLINE, units: [] }));
  }

  /** Sensor ids per fault, in id order. */
  byKind(): Record<SensorFaultKind, string[]> {
    const out = Object.fromEntries(SENSOR_FAULT_KINDS.map((k) => [k, [] as string[]])) as Record<SensorFaultKind, string[]>;
    for (const [id, k] of this.assigned) out[k].push(id);
    for (const k of SENSOR_FAULT_KINDS) out[k].sort();
    return out;
  }
}
