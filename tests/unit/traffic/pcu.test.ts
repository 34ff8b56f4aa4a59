import { describe, expect, it } from 'vitest';
import { DEFAULT_PCU_WEIGHTS, pcuTotal, vehicleTotal, type PcuWeights } from '../../../shared/traffic/pcu.ts';

const counts = { motorbike: 30, car: 10, bus: 2, truck: 1, bicycle: 5, other: 3 };

describe('PCU weights (DESIGN §5)', () => {
  it('when no weights are configured, then the TCVN 4054:2005 plains values apply', () => {
    expect(DEFAULT_PCU_WEIGHTS).toEqual({ bicycle: 0.2, motorbike: 0.3, car: 1.0, bus: 2.5, truck: 2.5, other: 1.0 });
  });

  it('when counting vehicles, then every class counts once', () => {
    // 30 + 10 + 2 + 1 + 5 + 3 = 51
    expect(vehicleTotal(counts)).toBe(51);
  });

  it('when weighting with the defaults, then each class counts by its PCU', () => {
    // 30×0.3 + 10×1 + 2×2.5 + 1×2.5 + 5×0.2 + 3×1 = 9 + 10 + 5 + 2.5 + 1 + 3 = 30.5
    expect(pcuTotal(counts, DEFAULT_PCU_WEIGHTS)).toBeCloseTo(30.5, 10);
  });

  it('when weights are configured, then those are used', () => {
    const weights: PcuWeights = { ...DEFAULT_PCU_WEIGHTS, motorbike: 0.5, truck: 3 };
    // 30×0.5 + 10 + 5 + 1×3 + 1 + 3 = 15 + 10 + 5 + 3 + 1 + 3 = 37
    expect(pcuTotal(counts, weights)).toBeCloseTo(37, 10);
  });

  it('when there is no vehicle, then the totals are 0', () => {
    const none = { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 };
    expect(vehicleTotal(none)).toBe(0);
    expect(pcuTotal(none, DEFAULT_PCU_WEIGHTS)).toBe(0);
  });
});
