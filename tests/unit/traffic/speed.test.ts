import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../../shared/contract/vehicle-classes.ts';
import { harmonicMeanSpeed } from '../../../shared/traffic/speed.ts';

function r(cars: number, speedKmh: number | null) {
  return { counts: { ...emptyCounts(), car: cars }, speedKmh };
}

describe('harmonicMeanSpeed (DESIGN §5)', () => {
  it('when two readings have equal flows, then the mean is harmonic, not arithmetic', () => {
    // 40 @ 30 + 40 @ 20: 80 / (40/30 + 40/20) = 80 / (4/3 + 2) = 80 / (10/3) = 24 (arithmetic: 25)
    expect(harmonicMeanSpeed([r(40, 30), r(40, 20)])).toBeCloseTo(24, 10);
  });

  it('when flows differ, then each reading weighs by its vehicles', () => {
    // 10 @ 60 + 30 @ 20: 40 / (10/60 + 30/20) = 40 / (1/6 + 3/2) = 40 / (5/3) = 24
    expect(harmonicMeanSpeed([r(10, 60), r(30, 20)])).toBeCloseTo(24, 10);
  });

  it('when every class is counted, then all vehicles weigh', () => {
    // 10 motorbikes + 10 cars @ 40 and 20 cars @ 20: 40 / (20/40 + 20/20) = 40 / 1.5 = 26.667
    const mixed = { counts: { ...emptyCounts(), motorbike: 10, car: 10 }, speedKmh: 40 };
    expect(harmonicMeanSpeed([mixed, r(20, 20)])).toBeCloseTo(80 / 3, 10);
  });

  it('when a reading has no vehicle or no speed, then it is left out', () => {
    // only 10 @ 30 qualifies → 30
    expect(harmonicMeanSpeed([r(0, 90), r(10, null), r(10, 30)])).toBeCloseTo(30, 10);
  });

  it('when no reading has both vehicles and a speed, then the speed is null', () => {
    expect(harmonicMeanSpeed([])).toBeNull();
    expect(harmonicMeanSpeed([r(10, null)])).toBeNull();
    expect(harmonicMeanSpeed([r(0, 50)])).toBeNull();
  });

  it('when traffic stands still, then 0 km/h counts as 1 km/h and the mean stays finite', () => {
    // 10 @ 0 → 10 / (10/1) = 1
    expect(harmonicMeanSpeed([r(10, 0)])).toBe(1);
    // 10 @ 0.5 → also floored to 1
    expect(harmonicMeanSpeed([r(10, 0.5)])).toBe(1);
    // 10 @ 0 + 10 @ 50: 20 / (10/1 + 10/50) = 20 / 10.2 = 1.96078…
    expect(harmonicMeanSpeed([r(10, 0), r(10, 50)])).toBeCloseTo(20 / 10.2, 10);
  });
});
