import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withFastPath } from '../../../shared/contract/fast-path.ts';
import { rawReadingSchema, readingSchema } from '../../../shared/contract/telemetry.ts';

// 2026-03-01T08:00:00Z, written out.
const EPOCH_MS = 1_772_352_000_000;

const rawFull = {
  sensorId: 'ql13-nb-01.lane1',
  segmentId: 'ql13-nb-01',
  ts: EPOCH_MS,
  intervalS: 60,
  lane: 2,
  counts: { motorbike: 41, car: 7, bus: 1, truck: 0, bicycle: 3, other: 0 },
  speedKmh: 31.5,
  occupancy: 0.18,
  seq: 12,
};
const rawMinimal = { sensorId: 's1', segmentId: 'ql13-nb-01', ts: EPOCH_MS, intervalS: 60, counts: { car: 1 } };
const busReading = { ...rawFull, lane: 2 as number | null, speedKmh: 31.5 as number | null, occupancy: 0.18 as number | null, seq: 12 as number | null };

/** Values that sit on, inside and outside the bounds and types the contract uses. */
const PROBES: unknown[] = [
  undefined, null, true, 0, -1, 1, 1.5, 16, 17, 3600, 3601, 250, 250.01, 0.999, 1.001, 2 ** 53, 1e300, -0, '', 'x', '12', [], {}, [1],
  'a'.repeat(64), 'a'.repeat(65), '😀'.repeat(32), '😀'.repeat(33), 'bad id', 'ok_id-1.2',
  '2026-03-01T08:00:00Z', '2026-03-01T08:00:00.123+07:00', '2026-03-01T08:00:00', '2026-02-29T08:00:00Z', '2024-02-29T08:00:00Z',
  '2026-13-01T08:00:00Z', '2026-03-01 08:00:00Z', '2026-03-01T24:00:00Z', 8_640_000_000_000_000, 8_640_000_000_000_001,
];

/** Every key of `base` (and of its counts) set to every probe, removed, and one unknown key added at each level. */
function variants(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [base, { ...base, extra: 1 }, { ...base, counts: {} }, { ...base, counts: { ...(base.counts as object), extra: 1 } }];
  for (const key of Object.keys(base)) {
    const { [key]: _removed, ...without } = base;
    out.push(without);
    for (const probe of PROBES) out.push({ ...base, [key]: probe });
  }
  for (const cls of Object.keys(base.counts as object)) {
    for (const probe of PROBES) out.push({ ...base, counts: { ...(base.counts as object), [cls]: probe } });
  }
  return out.map((v) => JSON.parse(JSON.stringify(v ?? null)) as unknown); // as the value arrives: from JSON
}

function expectSameAsZod(schema: z.ZodType, inputs: unknown[]): void {
  const fast = withFastPath(schema);
  let accepted = 0;
  for (const input of inputs) {
    const expected = schema.safeParse(input);
    const actual = fast.safeParse(input);
    expect({ input, success: actual.success }).toEqual({ input, success: expected.success });
    if (expected.success) {
      accepted++;
      expect(actual.data).toEqual(expected.data);
    } else {
      expect(actual.error?.issues).toEqual(expected.error.issues);
    }
  }
  expect(accepted).toBeGreaterThan(10); // the corpus exercises both verdicts
}

describe('withFastPath: the same verdicts and values as zod', () => {
  it('for the MQTT reading schema over a corpus of boundary and type variants', () => {
    expectSameAsZod(rawReadingSchema, [...variants(rawFull), ...variants(rawMinimal)]);
  });

  it('for the bus reading schema, including an unknown key zod strips', () => {
    expectSameAsZod(readingSchema, variants(busReading));
  });

  it('takes the fast path for values already in output form (the value itself comes back), zod for the rest', () => {
    const fast = withFastPath(rawReadingSchema);
    const valid = structuredClone(rawFull);
    expect(fast.safeParse(valid).data).toBe(valid);
    const stripped = { ...busReading, extra: 1 };
    const viaZod = withFastPath(readingSchema).safeParse(stripped);
    expect(viaZod.success).toBe(true);
    expect(viaZod.data).not.toBe(stripped);
    expect(viaZod.data).not.toHaveProperty('extra');
  });

  it('refuses a refinement that has no JSON Schema form of its own, and accepts one given in .meta()', () => {
    const atLeastOne = (o: object) => Object.keys(o).length > 0;
    const object = z.strictObject({ a: z.number().optional() });
    const bare = object.refine(atLeastOne);
    expect(() => withFastPath(bare)).toThrow(/refine/);
    expect(() => withFastPath(bare.describe('a description is no form'))).toThrow(/refine/);
    expect(() => withFastPath(object.meta({ minProperties: 1 }).refine(atLeastOne))).toThrow(/refine/); // the parent's, not its own
    const withForm = withFastPath(bare.meta({ minProperties: 1 }));
    expect(withForm.safeParse({}).success).toBe(false);
    expect(withForm.safeParse({ a: 1 }).success).toBe(true);
  });

  it('refuses schemas whose output is not their input, or that JSON Schema does not state exactly', () => {
    expect(() => withFastPath(z.object({ s: z.string().trim() }))).toThrow(/overwrite/);
    expect(() => withFastPath(z.object({ s: z.preprocess((v) => String(v), z.string()) }))).toThrow(/pipe/);
    expect(() => withFastPath(z.object({ s: z.string() }).readonly())).toThrow(/readonly/);
    expect(() => withFastPath(z.object({ s: z.email() }))).toThrow(/string_format email/);
    expect(() => withFastPath(z.object({ s: z.string().regex(/^[a-z]+$/u) }))).toThrow(/string_format regex/);
  });

  it('counts string lengths as zod does, in code points', () => {
    const schema = z.object({ s: z.string().max(4) });
    const inputs = ['😀😀😀😀', '😀😀😀😀😀', 'abcd', 'abcde'].map((s) => ({ s })); // 8 and 10 UTF-16 units; 4 and 5 units
    expect(inputs.map((i) => withFastPath(schema).safeParse(i).success)).toEqual([true, false, true, false]);
    expect(inputs.map((i) => schema.safeParse(i).success)).toEqual([true, false, true, false]);
  });
});
