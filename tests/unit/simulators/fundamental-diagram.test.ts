import { describe, expect, it } from 'vitest';
import {
  congestedDensity, congestedSpeed, flowAtDensity, incidentCapacityFactor, jamDensity, speedAtDensity, uncongestedSpeed,
} from '../../../simulators/model/fundamental-diagram.ts';

// ql13-nb-01: free flow 60 km/h, capacity 1200 pcu/h/lane → jam density 4 × 1200 / 60 = 80 pcu/km/lane.
const urban = { freeFlowKmh: 60, capacityPcuPerHourPerLane: 1200 };
// mptv-nb-01: 90 km/h, 1800 pcu/h/lane → k_j = 80.
const highway = { freeFlowKmh: 90, capacityPcuPerHourPerLane: 1800 };

describe('Greenshields fundamental diagram (pcu)', () => {
  it('when the road is empty or jammed, then speed is free flow or zero', () => {
    expect(jamDensity(urban)).toBe(80);
    expect(speedAtDensity(urban, 0)).toBe(60);
    expect(speedAtDensity(urban, 80)).toBe(0);
    expect(speedAtDensity(urban, 100)).toBe(0);
  });

  it('when density is critical (k_j / 2), then flow is the capacity at half the free-flow speed', () => {
    expect(speedAtDensity(urban, 40)).toBe(30);
    expect(flowAtDensity(urban, 40)).toBe(1200);
    expect(flowAtDensity(highway, 40)).toBe(1800);
  });

  it('when flow is 3/4 of capacity, then free traffic runs at 45 km/h and a queue at 15 km/h', () => {
    // v = v_f/2 · (1 ± √(1 − 0.75)) = 30 · (1 ± 0.5)
    expect(uncongestedSpeed(urban, 900)).toBeCloseTo(45, 10);
    expect(congestedSpeed(urban, 900)).toBeCloseTo(15, 10);
    // k = k_j/2 · (1 + 0.5) = 60 pcu/km, and q = k · v = 60 × 15 = 900 on the congested branch
    expect(congestedDensity(urban, 900)).toBeCloseTo(60, 10);
    expect(flowAtDensity(urban, congestedDensity(urban, 900))).toBeCloseTo(900, 8);
  });

  it('when demand exceeds capacity, then the free branch stays at the capacity speed', () => {
    expect(uncongestedSpeed(urban, 1500)).toBe(30);
  });

  it('when a queue hardly discharges, then it still creeps at the minimum speed', () => {
    expect(congestedSpeed(urban, 0)).toBe(3);
  });

  it('when lanes are blocked, then capacity follows the HCM incident table with a 5 % floor', () => {
    expect(incidentCapacityFactor(3, 0)).toBe(1);
    expect(incidentCapacityFactor(3, 1)).toBe(0.49);
    expect(incidentCapacityFactor(3, 2)).toBe(0.17);
    expect(incidentCapacityFactor(2, 1)).toBe(0.35);
    expect(incidentCapacityFactor(1, 1)).toBe(0.05);
    expect(incidentCapacityFactor(3, 3)).toBe(0.05);
  });
});
