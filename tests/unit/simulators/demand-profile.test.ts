import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMAND_PROFILES, demandRatio, localTime, profileAt } from '../../../simulators/model/demand-profile.ts';

// Monday 2025-03-10 00:00 local (UTC+7) = 2025-03-09T17:00Z.
const MONDAY_MIDNIGHT = Date.parse('2025-03-09T17:00:00Z');
const at = (day: number, hh: number, mm = 0) => MONDAY_MIDNIGHT + day * 86_400_000 + (hh * 60 + mm) * 60_000;

describe('weekday demand profile', () => {
  it('when it is 07:00 on a weekday, then urban demand is at capacity (v/c 1.0)', () => {
    expect(demandRatio('urban', at(0, 7))).toBeCloseTo(1.0, 10);
    expect(demandRatio('highway', at(0, 7))).toBeCloseTo(0.92, 10);
  });

  it('when it is between two hours, then the value is interpolated: 07:30 urban = (1.00 + 0.95) / 2', () => {
    expect(demandRatio('urban', at(0, 7, 30))).toBeCloseTo(0.975, 10);
  });

  it('when it is 23:30, then the profile wraps to midnight: (0.22 + 0.15) / 2', () => {
    expect(profileAt(DEFAULT_DEMAND_PROFILES.weekday.urban, 23.5)).toBeCloseTo(0.185, 10);
  });

  it('when comparing times of day, then both peaks beat midday and midday beats the night', () => {
    const v = (hh: number) => demandRatio('urban', at(2, hh));
    expect(v(7)).toBeGreaterThan(v(12));
    expect(v(17)).toBeGreaterThan(v(12));
    expect(v(12)).toBeGreaterThan(v(3));
    expect(v(17)).toBeGreaterThan(1); // the evening peak breaks down
  });

  it('when it is Saturday, then the weekend profile applies (07:00 urban 0.60)', () => {
    expect(demandRatio('urban', at(5, 7))).toBeCloseTo(0.6, 10);
  });

  it('when converting to local time, then UTC+7 gives the hour and the day', () => {
    expect(localTime(Date.parse('2025-03-10T00:30:00Z'))).toEqual({ hour: 7.5, dayOfWeek: 1 });
    expect(localTime(Date.parse('2025-03-09T16:59:00Z')).dayOfWeek).toBe(0);
  });
});
