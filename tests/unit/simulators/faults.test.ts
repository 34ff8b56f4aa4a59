import { describe, expect, it } from 'vitest';
import { FaultInjector, NO_FAULTS, type FaultConfig, type Unit } from '../../../simulators/fleet/faults.ts';
import type { Detector } from '../../../simulators/fleet/layout.ts';
import type { SimReading } from '../../../simulators/fleet/sim-reading.ts';

const SENSORS = 20;
const TICKS = 150; // 3,000 readings = 3 blocks of 1,000
const T0 = 1_741_564_800_000;
const detectors: Detector[] = Array.from({ length: SENSORS }, (_, i) => ({ sensorId: `gw0.s${i}`, gatewayId: 'gw0', segmentId: 'ql13-nb-01', lane: 1, stationId: 'ql13-nb-01.s0', offsetM: 870 }));
const rates = { dropout: 0.01, stuck: 0.02, duplicate: 0.015, outOfOrder: 0.01, clockSkew: 0.005, malformed: 0.012 };
const config: FaultConfig = { rates, skewS: 917, blockSize: 1000 };

/** Every reading distinct: counts carry the seq, so a repeat (stuck) is recognisable. */
function reading(d: Detector, k: number): SimReading {
  return { sensorId: d.sensorId, segmentId: d.segmentId, ts: T0 + k * 60_000, intervalS: 60, lane: 1, stationId: d.stationId, counts: { motorbike: k, car: 1 }, speedKmh: 30 + k / 10, occupancy: 0.1, seq: k };
}

function run(c: FaultConfig, seed = 7): { injector: FaultInjector; units: Unit[] } {
  const injector = new FaultInjector(c, seed);
  const units: Unit[] = [];
  for (let k = 0; k < TICKS; k++) for (const d of detectors) units.push(...injector.apply(d, reading(d, k)));
  units.push(...injector.flush());
  return { injector, units };
}

describe('fault injection', () => {
  it('when rates are configured, then exactly rate × readings faults of each kind are injected', () => {
    const { injector } = run(config);
    expect(injector.injected).toEqual({ dropout: 30, stuck: 60, duplicate: 45, outOfOrder: 30, clockSkew: 15, malformed: 36 });
    expect(injector.malformed).toEqual({ invalid_json: 18, schema: 18 });
  });

  it('when faults are injected, then the output shows each of them, and nothing else changed', () => {
    const { units } = run(config);
    const readings = SENSORS * TICKS;
    // dropouts vanish, duplicates appear twice
    expect(units).toHaveLength(readings - 30 + 45);
    const seen = new Map<string, number>();
    for (const u of units) seen.set(`${u.reading.sensorId}/${u.reading.seq}`, (seen.get(`${u.reading.sensorId}/${u.reading.seq}`) ?? 0) + 1);
    expect([...seen.values()].filter((n) => n === 2)).toHaveLength(45);
    expect(seen.size).toBe(readings - 30);
    // skewed: ts off by exactly 917 s
    expect(units.filter((u) => u.reading.ts === T0 + u.reading.seq * 60_000 + 917_000)).toHaveLength(15);
    // stuck: an earlier reading's values (motorbike = that reading's seq) under the new seq
    const stuck = units.filter((u) => u.fault === 'stuck');
    expect(stuck).toHaveLength(60);
    for (const u of stuck) if (u.reading.seq > 0) expect(u.reading.counts.motorbike).toBeLessThan(u.reading.seq);
    // malformed: half carry a negative count (schema), half are to be cut (invalid_json)
    expect(units.filter((u) => (u.reading.counts.motorbike ?? 0) < 0)).toHaveLength(18);
    expect(units.filter((u) => u.malformed === 'invalid_json')).toHaveLength(18);
    // out of order: sent after a later reading of the same sensor
    let late = 0;
    const maxSeq = new Map<string, number>();
    for (const u of units) {
      const max = maxSeq.get(u.reading.sensorId) ?? -1;
      if (u.reading.seq < max) late++;
      maxSeq.set(u.reading.sensorId, Math.max(max, u.reading.seq));
    }
    expect(late).toBe(30);
  });

  it('when no rate is set, then the readings pass untouched', () => {
    const { units, injector } = run({ ...config, rates: NO_FAULTS });
    expect(units).toHaveLength(SENSORS * TICKS);
    expect(units.every((u) => u.fault === null && u.reading.ts === T0 + u.reading.seq * 60_000)).toBe(true);
    expect(Object.values(injector.injected).every((n) => n === 0)).toBe(true);
  });

  it('when the seed differs, then the faults hit different readings', () => {
    const hit = (seed: number) => run(config, seed).units.filter((u) => u.fault).map((u) => `${u.reading.sensorId}/${u.reading.seq}`);
    expect(hit(1)).not.toEqual(hit(2));
  });

  it('when the rates add up to more than 1, then the configuration is refused', () => {
    expect(() => new FaultInjector({ ...config, rates: { ...rates, dropout: 0.7, stuck: 0.5 } }, 1)).toThrow(/more than 1/);
  });
});
