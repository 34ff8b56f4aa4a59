import { describe, expect, it } from 'vitest';
import { VEHICLE_CLASSES } from '../../../shared/contract/vehicle-classes.ts';
import { DEFAULT_PCU_WEIGHTS, vehicleTotal } from '../../../shared/traffic/pcu.ts';
import { Prng } from '../../../simulators/model/prng.ts';
import { DEFAULT_VEHICLE_MIXES, meanPcuPerVehicle, normaliseMix, splitByMix } from '../../../simulators/model/vehicle-mix.ts';

describe('vehicle mix', () => {
  it('when the mix is the urban default, then motorbikes are the large majority', () => {
    expect(DEFAULT_VEHICLE_MIXES.urban.motorbike).toBeGreaterThan(0.75);
    expect(DEFAULT_VEHICLE_MIXES.highway.motorbike).toBeLessThan(DEFAULT_VEHICLE_MIXES.urban.motorbike);
  });

  it('when weighting the urban mix with the contract PCU weights, then a vehicle is 0.474 pcu', () => {
    // 0.82×0.3 + 0.12×1 + 0.01×2.5 + 0.03×2.5 + 0.015×0.2 + 0.005×1 = 0.246 + 0.12 + 0.025 + 0.075 + 0.003 + 0.005
    expect(meanPcuPerVehicle(DEFAULT_VEHICLE_MIXES.urban, DEFAULT_PCU_WEIGHTS)).toBeCloseTo(0.474, 10);
  });

  it('when shares do not add up to 1, then they are scaled; a negative share is refused', () => {
    expect(normaliseMix({ motorbike: 3, car: 1 })).toMatchObject({ motorbike: 0.75, car: 0.25, bus: 0 });
    expect(() => normaliseMix({ car: -1, motorbike: 2 })).toThrow(/≥ 0/);
    expect(() => normaliseMix({})).toThrow(/positive share/);
  });

  it('when splitting many vehicles, then every vehicle is kept and the shares match the mix within 1 %', () => {
    const rng = new Prng(11);
    const totals = { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 };
    let n = 0;
    for (let i = 0; i < 2_000; i++) {
      const size = 10 + (i % 90);
      const counts = splitByMix(size, DEFAULT_VEHICLE_MIXES.urban, rng);
      expect(vehicleTotal(counts)).toBe(size);
      for (const c of VEHICLE_CLASSES) totals[c] += counts[c];
      n += size;
    }
    for (const c of VEHICLE_CLASSES) expect(Math.abs(totals[c] / n - DEFAULT_VEHICLE_MIXES.urban[c])).toBeLessThan(0.01);
  });

  it('when a class has no share, then it never gets a vehicle', () => {
    const counts = splitByMix(500, DEFAULT_VEHICLE_MIXES.highway, new Prng(3));
    expect(counts.bicycle).toBe(0);
  });
});
