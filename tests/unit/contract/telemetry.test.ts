import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_READINGS,
  normaliseReading,
  rawReadingSchema,
  readingJson,
  readingSchema,
  telemetryPayloadSchema,
  type RawReading,
} from '../../../shared/contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../../../shared/contract/vehicle-classes.ts';

// 2026-03-01T08:00:00Z, written out so the test does not rely on the code under test to compute it.
const EPOCH_MS = 1_772_352_000_000;

const minimal = { sensorId: 'ql13-nb-01.lane1', segmentId: 'ql13-nb-01', ts: EPOCH_MS, intervalS: 60, counts: { car: 1 } };

/** Parses with the v1 reading schema and fails the test with zod's issues when it does not accept. */
function accept(input: unknown): RawReading {
  const parsed = rawReadingSchema.safeParse(input);
  if (!parsed.success) expect.fail(`expected the reading to be accepted: ${JSON.stringify(parsed.error.issues)}`);
  return parsed.data;
}

describe('telemetry payload v1: valid shapes (DESIGN §3)', () => {
  it('when a reading has only the required fields, then it is accepted', () => {
    expect(accept(minimal)).toEqual(minimal);
  });

  it('when ts is ISO 8601 with a +07:00 offset or epoch ms for the same instant, then both normalise to the same epoch ms', () => {
    const iso = normaliseReading(accept({ ...minimal, ts: '2026-03-01T15:00:00+07:00' }));
    const utc = normaliseReading(accept({ ...minimal, ts: '2026-03-01T08:00:00Z' }));
    const epoch = normaliseReading(accept({ ...minimal, ts: EPOCH_MS }));
    expect(iso.ts).toBe(EPOCH_MS);
    expect(utc.ts).toBe(EPOCH_MS);
    expect(epoch.ts).toBe(EPOCH_MS);
  });

  it('when ts is ISO 8601 with a negative offset and milliseconds, then the offset and the milliseconds are kept', () => {
    const r = normaliseReading(accept({ ...minimal, ts: '2026-03-01T03:00:00.250-05:00' }));
    expect(r.ts).toBe(EPOCH_MS + 250);
  });

  it('when every optional field is present, then it is accepted and kept', () => {
    const full = { ...minimal, lane: 3, speedKmh: 42.5, occupancy: 0.35, seq: 1234 };
    expect(normaliseReading(accept(full))).toMatchObject({ lane: 3, speedKmh: 42.5, occupancy: 0.35, seq: 1234 });
  });

  it('when lane is at its bounds 1 and 16, then it is accepted', () => {
    expect(accept({ ...minimal, lane: 1 }).lane).toBe(1);
    expect(accept({ ...minimal, lane: 16 }).lane).toBe(16);
  });

  it('when speedKmh is null (no vehicle passed), then it is accepted and normalises to null', () => {
    const r = normaliseReading(accept({ ...minimal, counts: { car: 0 }, speedKmh: null }));
    expect(r.speedKmh).toBeNull();
  });

  it('when speedKmh is omitted, then it is accepted and normalises to null', () => {
    expect(normaliseReading(accept(minimal)).speedKmh).toBeNull();
  });

  it('when speedKmh is at its bounds 0 and 250, then it is accepted', () => {
    expect(accept({ ...minimal, speedKmh: 0 }).speedKmh).toBe(0);
    expect(accept({ ...minimal, speedKmh: 250 }).speedKmh).toBe(250);
  });

  it('when occupancy is at its bounds 0 and 1, then it is accepted', () => {
    expect(accept({ ...minimal, occupancy: 0 }).occupancy).toBe(0);
    expect(accept({ ...minimal, occupancy: 1 }).occupancy).toBe(1);
  });

  it('when intervalS is at its bounds 1 and 3600, then it is accepted', () => {
    expect(accept({ ...minimal, intervalS: 1 }).intervalS).toBe(1);
    expect(accept({ ...minimal, intervalS: 3600 }).intervalS).toBe(3600);
  });

  it('when seq is 0, then it is accepted and kept as 0 (not turned into null)', () => {
    expect(normaliseReading(accept({ ...minimal, seq: 0 })).seq).toBe(0);
  });

  it.each(VEHICLE_CLASSES)('when the only class counted is %s, then the reading is accepted', (vehicleClass) => {
    const r = normaliseReading(accept({ ...minimal, counts: { [vehicleClass]: 7 } }));
    expect(r.counts[vehicleClass]).toBe(7);
  });

  it('when every vehicle class is counted at once, then the reading is accepted with each count', () => {
    const counts = { motorbike: 30, car: 10, bus: 2, truck: 1, bicycle: 5, other: 3 };
    expect(normaliseReading(accept({ ...minimal, counts })).counts).toEqual(counts);
  });

  it('when a count is 0, then it is accepted', () => {
    expect(accept({ ...minimal, counts: { motorbike: 0 } }).counts).toEqual({ motorbike: 0 });
  });

  it('when ids use every allowed character and are 64 chars long, then they are accepted', () => {
    const id = `Az09._-${'x'.repeat(57)}`;
    expect(id).toHaveLength(64);
    expect(accept({ ...minimal, sensorId: id, segmentId: id }).sensorId).toBe(id);
  });

  it('when a batch holds 1 reading, then the payload is accepted and its reading too', () => {
    const batch = [minimal];
    expect(telemetryPayloadSchema.safeParse(batch).success).toBe(true);
    expect(accept(batch[0])).toEqual(minimal);
  });

  it(`when a batch holds ${MAX_BATCH_READINGS} readings for many sensors, then the payload and every reading are accepted`, () => {
    const batch = Array.from({ length: MAX_BATCH_READINGS }, (_, i) => ({ ...minimal, sensorId: `gw1.s${i}`, seq: i }));
    expect(MAX_BATCH_READINGS).toBe(500);
    expect(telemetryPayloadSchema.safeParse(batch).success).toBe(true);
    expect(batch.map((r) => rawReadingSchema.safeParse(r).success).every(Boolean)).toBe(true);
  });

  it('when a single reading is sent (not in an array), then the payload schema accepts it as a reading', () => {
    expect(telemetryPayloadSchema.safeParse(minimal).success).toBe(true);
  });
});

describe('normaliseReading (DESIGN §3, §6: ts as epoch ms, absent fields null)', () => {
  it('when classes are absent from counts, then they are filled with 0', () => {
    const r = normaliseReading(accept({ ...minimal, counts: { bus: 2, bicycle: 4 } }));
    expect(r.counts).toEqual({ motorbike: 0, car: 0, bus: 2, truck: 0, bicycle: 4, other: 0 });
  });

  it('when optional fields are absent, then lane, stationId, speedKmh, occupancy and seq are null', () => {
    const r = normaliseReading(accept(minimal));
    expect(r).toEqual({
      sensorId: 'ql13-nb-01.lane1',
      segmentId: 'ql13-nb-01',
      ts: EPOCH_MS,
      intervalS: 60,
      lane: null,
      stationId: null,
      counts: { motorbike: 0, car: 1, bus: 0, truck: 0, bicycle: 0, other: 0 },
      speedKmh: null,
      occupancy: null,
      seq: null,
    });
  });

  it('when occupancy is null, then it normalises to null', () => {
    expect(normaliseReading(accept({ ...minimal, occupancy: null })).occupancy).toBeNull();
  });

  it('when a reading is normalised, then the result satisfies the bus/store reading schema', () => {
    const minimalNorm = normaliseReading(accept(minimal));
    const fullNorm = normaliseReading(
      accept({ ...minimal, ts: '2026-03-01T15:00:00+07:00', lane: 2, stationId: 'st-km12', speedKmh: 30, occupancy: 0.2, seq: 9 }),
    );
    expect(readingSchema.safeParse(minimalNorm).success).toBe(true);
    expect(readingSchema.safeParse(fullNorm).success).toBe(true);
  });

  it('when a reading is normalised, then the input is not changed', () => {
    const raw = accept({ ...minimal, counts: { car: 1 } });
    const before = structuredClone(raw);
    normaliseReading(raw);
    expect(raw).toEqual(before);
  });
});

describe('readingJson', () => {
  it('writes exactly what JSON.stringify writes, for readings with and without the optional fields', () => {
    const ids = ['ql13-nb-01', 'a.b_c-9', 'x'];
    const values = [null, 0, 1, 0.12, 35.5, 250, 1e-7];
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const pick = <T>(xs: readonly T[], k: number): T => xs[(i * k) % xs.length]!;
      const reading = normaliseReading(
        accept({
          sensorId: pick(ids, 7),
          segmentId: pick(ids, 3),
          ts: EPOCH_MS + i * 997,
          intervalS: 1 + (i % 3600),
          ...(i % 4 === 0 ? {} : { lane: 1 + (i % 16) }),
          counts: Object.fromEntries(VEHICLE_CLASSES.filter((_, k) => (i + k) % 3 !== 0).map((c, k) => [c, (i * (k + 1)) % 1000])),
          ...(i % 5 === 0 ? {} : { speedKmh: pick(values, 5) }),
          ...(i % 6 === 0 ? {} : { occupancy: pick(values.filter((v) => v === null || v <= 1), 11) }),
          ...(i % 7 === 0 ? {} : { seq: i * 31 }),
        }),
      );
      expect(readingJson(reading)).toBe(JSON.stringify(reading));
      checked++;
    }
    expect(checked).toBe(500);
  });
});
