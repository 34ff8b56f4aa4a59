import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../shared/contract/telemetry.ts';
import { emptyCounts, VEHICLE_CLASSES } from '../../../shared/contract/vehicle-classes.ts';
import { addReading, readingTerms, zeroTotals } from '../../../shared/traffic/detector-totals.ts';

const base: Reading = {
  sensorId: 's1', segmentId: 'seg-1', ts: 1_000, intervalS: 60, lane: 1, counts: emptyCounts(), speedKmh: 40, occupancy: 0.25, seq: null,
};

describe('detector totals: one reading at a time', () => {
  it.each(VEHICLE_CLASSES)('when a reading counts one %s, then that class and only that class goes up by one (every class is summed)', (cls) => {
    const r: Reading = { ...base, counts: { ...emptyCounts(), [cls]: 1 } };
    const t = zeroTotals(r);

    addReading(t, r);

    expect(t.counts).toEqual({ ...emptyCounts(), [cls]: 1 });
    expect(t).toMatchObject({ seconds: 60, speedVehicles: 1, speedHours: 1 / 40, occupancySeconds: 60, occupancyWeighted: 15 });
  });

  it('when a reading is taken out again (sign −1), then the totals are back to zero', () => {
    const r: Reading = { ...base, counts: { motorbike: 9, car: 3, bus: 1, truck: 1, bicycle: 2, other: 1 } };
    const t = zeroTotals(r);
    addReading(t, r);
    addReading(t, r, -1);
    expect(t).toMatchObject({ seconds: 0, counts: emptyCounts(), speedVehicles: 0, speedHours: 0, occupancySeconds: 0, occupancyWeighted: 0 });
  });

  it('when a reading has no vehicles, or no speed, or no occupancy, then its speed or occupancy terms are zero', () => {
    expect(readingTerms(base)).toEqual({ speedVehicles: 0, speedHours: 0, occupancySeconds: 60, occupancyWeighted: 15 });
    const cars = { ...emptyCounts(), car: 4 };
    expect(readingTerms({ ...base, counts: cars, speedKmh: null, occupancy: null })).toEqual({
      speedVehicles: 0, speedHours: 0, occupancySeconds: 0, occupancyWeighted: 0,
    });
    expect(readingTerms({ ...base, counts: cars, speedKmh: 0.5 })).toMatchObject({ speedVehicles: 4, speedHours: 4 / 1 }); // speed floor 1 km/h
  });

  it('when the store gives the terms it kept, then those are added instead of the ones the reading would give', () => {
    const r: Reading = { ...base, counts: { ...emptyCounts(), car: 2 } };
    const t = zeroTotals(r);
    addReading(t, r, 1, { speedVehicles: 0, speedHours: 0, occupancySeconds: 0, occupancyWeighted: 0 });
    expect(t).toMatchObject({ seconds: 60, counts: { car: 2 }, speedVehicles: 0, speedHours: 0, occupancySeconds: 0 });
  });
});
