import { Prng } from '../model/prng.ts';
import type { Detector } from './layout.ts';
import type { SimReading } from './sim-reading.ts';

export const FAULT_KINDS = ['dropout', 'stuck', 'duplicate', 'outOfOrder', 'clockSkew', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Record<FaultKind, number>;
export type Malformation = 'invalid_json' | 'schema';

export interface FaultConfig {
  /** Share of readings hit by each fault (their sum at most 1). */
  rates: FaultRates;
  /** Clock skew added to a skewed reading's ts. Beyond the pipeline's 5 min it is rejected (future_ts). */
  skewS: number;
  /**
   * Faults are placed at random positions inside consecutive blocks of this many readings, exactly
   * round(rate × blockSize) per block: over any whole number of blocks the count is exact.
   */
  blockSize: number;
}

export const NO_FAULTS: FaultRates = { dropout: 0, stuck: 0, duplicate: 0, outOfOrder: 0, clockSkew: 0, malformed: 0 };
// 917 s: over the 5-minute future limit, and a prime, so a skewed ts never lands on another interval's end.
export const DEFAULT_FAULTS: FaultConfig = { rates: NO_FAULTS, skewS: 917, blockSize: 1000 };

/** A reading on its way out, with the fault it carries (if any). */
export interface Unit {
  detector: Detector;
  reading: SimReading;
  fault: FaultKind | null;
  /** Set on malformed readings: what the pipeline must reject them for. */
  malformed: Malformation | null;
}

/**
 * Injects sensor faults into the stream of readings, deterministically from the seed:
 * - dropout: the reading is never sent (its seq is skipped: a gap);
 * - stuck: the detector repeats its previous values (new ts and seq);
 * - duplicate: the reading is sent twice (same ts and seq);
 * - outOfOrder: the reading is held back and sent after the detector's next one;
 * - clockSkew: ts is off by skewS;
 * - malformed: alternately invalid JSON (a cut-off payload) and a schema violation (a negative count).
 */
export class FaultInjector {
  readonly injected: Record<FaultKind, number> = { ...NO_FAULTS };
  readonly malformed: Record<Malformation, number> = { invalid_json: 0, schema: 0 };
  /** The sensors each kind of fault hit (for the summary). */
  readonly sensorsHit = new Map<FaultKind, Set<string>>();
  private readonly rng: Prng;
  private readonly perBlock: [FaultKind, number][];
  private block: (FaultKind | null)[] = [];
  private position = 0;
  private readonly last = new Map<string, SimReading>();
  private readonly held = new Map<string, Unit>();

  constructor(private readonly config: FaultConfig, seed: number) {
    this.rng = Prng.derive(seed, 'faults');
    this.perBlock = FAULT_KINDS.map((k): [FaultKind, number] => [k, Math.round(config.rates[k] * config.blockSize)]);
    const total = this.perBlock.reduce((n, [, c]) => n + c, 0);
    if (total > config.blockSize) throw new Error(`fault rates add up to more than 1 (${total} per ${config.blockSize} readings)`);
  }

  /** The units to send for this reading (none, one, or more), in order. */
  apply(detector: Detector, reading: SimReading): Unit[] {
    const kind = this.nextKind();
    if (kind) {
      this.injected[kind]++;
      let hit = this.sensorsHit.get(kind);
      if (!hit) this.sensorsHit.set(kind, (hit = new Set()));
      hit.add(reading.sensorId);
    }
    const unit = (r: SimReading, fault: FaultKind | null = kind, malformed: Malformation | null = null): Unit => ({ detector, reading: r, fault, malformed });
    const earlier = this.held.get(reading.sensorId);
    this.held.delete(reading.sensorId);
    const out: Unit[] = [];

    switch (kind) {
      case 'dropout':
        break;
      case 'stuck': {
        const prev = this.last.get(reading.sensorId) ?? reading;
        out.push(unit({ ...reading, counts: { ...prev.counts }, speedKmh: prev.speedKmh, occupancy: prev.occupancy }));
        break;
      }
      case 'duplicate':
        out.push(unit(reading), unit({ ...reading }));
        break;
      case 'outOfOrder':
        this.held.set(reading.sensorId, unit(reading));
        break;
      case 'clockSkew':
        out.push(unit({ ...reading, ts: reading.ts + this.config.skewS * 1000 }));
        break;
      case 'malformed': {
        const how: Malformation = this.injected.malformed % 2 === 1 ? 'invalid_json' : 'schema';
        this.malformed[how]++;
        out.push(unit(how === 'schema' ? withNegativeCount(reading) : reading, kind, how));
        break;
      }
      default:
        out.push(unit(reading));
    }
    if (kind !== 'dropout') this.last.set(reading.sensorId, reading);
    // A held-back reading goes out right after the detector's next one (or alone if that one dropped out).
    if (earlier) out.push(earlier);
    return out;
  }

  /** Readings still held back (out of order) at the end of a run. */
  flush(): Unit[] {
    const rest = [...this.held.values()];
    this.held.clear();
    return rest;
  }

  private nextKind(): FaultKind | null {
    if (this.position === this.block.length) this.newBlock();
    return this.block[this.position++] ?? null;
  }

  private newBlock(): void {
    const size = this.config.blockSize;
    this.block = new Array<FaultKind | null>(size).fill(null);
    this.position = 0;
    for (const [kind, count] of this.perBlock) {
      for (let placed = 0; placed < count; ) {
        const at = this.rng.int(size);
        if (this.block[at] !== null) continue;
        this.block[at] = kind;
        placed++;
      }
    }
  }
}

function withNegativeCount(reading: SimReading): SimReading {
  const [first] = Object.keys(reading.counts);
  return { ...reading, counts: { ...reading.counts, [first ?? 'car']: -1 } };
}
