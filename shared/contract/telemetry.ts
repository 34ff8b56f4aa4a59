import { z } from 'zod';
import { VEHICLE_CLASSES, emptyCounts, type VehicleCounts } from './vehicle-classes.ts';

/** Telemetry payload v1 (DESIGN §3): one reading or an array of up to 500. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH_READINGS = 500;

export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'only letters, digits, ".", "_" and "-"');

const countSchema = z.number().int().min(0);
const countsShape = Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, countSchema.optional()])) as Record<
  (typeof VEHICLE_CLASSES)[number],
  z.ZodOptional<typeof countSchema>
>;

export const countsSchema = z
  .strictObject(countsShape)
  .refine((c) => Object.values(c).some((n) => n !== undefined), 'at least one vehicle class is required')
  // The refinement in JSON Schema (for fast-path.ts and the OpenAPI document): JSON has no undefined.
  .meta({ minProperties: 1 });

export const timestampSchema = z.union([
  z.iso.datetime({ offset: true }),
  // 8.64e15 ms is the largest time a JavaScript Date can hold.
  z.number().int().min(0).max(8_640_000_000_000_000),
]);

export const rawReadingSchema = z.strictObject({
  sensorId: idSchema,
  segmentId: idSchema,
  ts: timestampSchema,
  intervalS: z.number().int().min(1).max(3600),
  lane: z.number().int().min(1).max(16).optional(),
  // DESIGN §3: readings of one segment with the same stationId are the lanes of one cross-section.
  stationId: idSchema.optional(),
  counts: countsSchema,
  speedKmh: z.number().min(0).max(250).nullable().optional(),
  // Not every detector measures occupancy (radar and cameras often do not): optional here.
  occupancy: z.number().min(0).max(1).nullable().optional(),
  seq: z.number().int().min(0).optional(),
});
export type RawReading = z.infer<typeof rawReadingSchema>;

export const telemetryPayloadSchema = z.union([rawReadingSchema, z.array(z.unknown()).min(1)]);

/** A validated reading as it travels on the bus and sits in the store: ts is epoch ms, absent fields are null. */
export interface Reading {
  sensorId: string;
  segmentId: string;
  ts: number;
  intervalS: number;
  lane: number | null;
  /**
   * The measurement station (cross-section) of the segment the detector belongs to; null: the
   * segment's default station. Optional in the type for readings written before stations existed
   * (old bus messages, hand-made test readings): absent means null.
   */
  stationId?: string | null;
  counts: VehicleCounts;
  speedKmh: number | null;
  occupancy: number | null;
  seq: number | null;
}

export const readingSchema = z.object({
  sensorId: idSchema,
  segmentId: idSchema,
  ts: z.number().int(),
  intervalS: z.number().int().min(1).max(3600),
  lane: z.number().int().min(1).max(16).nullable(),
  // Optional: bus messages written before stations existed lack it.
  stationId: idSchema.nullable().optional(),
  counts: z.object(Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, countSchema])) as Record<
    (typeof VEHICLE_CLASSES)[number],
    typeof countSchema
  >),
  speedKmh: z.number().min(0).max(250).nullable(),
  occupancy: z.number().min(0).max(1).nullable(),
  seq: z.number().int().nullable(),
});

export function normaliseReading(raw: RawReading): Reading {
  const counts = emptyCounts();
  for (const c of VEHICLE_CLASSES) counts[c] = raw.counts[c] ?? 0;
  return {
    sensorId: raw.sensorId,
    segmentId: raw.segmentId,
    ts: typeof raw.ts === 'number' ? raw.ts : Date.parse(raw.ts),
    intervalS: raw.intervalS,
    lane: raw.lane ?? null,
    stationId: raw.stationId ?? null,
    counts,
    speedKmh: raw.speedKmh ?? null,
    occupancy: raw.occupancy ?? null,
    seq: raw.seq ?? null,
  };
}

const jsonNumber = (n: number | null): string => (n === null ? 'null' : String(n));
// undefined → no key at all, as JSON.stringify leaves it out.
const stationJson = (s: string | null | undefined): string =>
  s === undefined ? '' : `"stationId":${s === null ? 'null' : JSON.stringify(s)},`;

/**
 * `JSON.stringify(reading)`, byte for byte (a test holds it to that), written out field by field:
 * ingest serialises every reading it accepts, and this is about three times faster.
 */
export function readingJson(r: Reading): string {
  const c = r.counts;
  return (
    `{"sensorId":${JSON.stringify(r.sensorId)},"segmentId":${JSON.stringify(r.segmentId)},"ts":${r.ts},"intervalS":${r.intervalS},` +
    `"lane":${jsonNumber(r.lane)},${stationJson(r.stationId)}"counts":{"motorbike":${c.motorbike},"car":${c.car},"bus":${c.bus},"truck":${c.truck},` +
    `"bicycle":${c.bicycle},"other":${c.other}},"speedKmh":${jsonNumber(r.speedKmh)},"occupancy":${jsonNumber(r.occupancy)},` +
    `"seq":${jsonNumber(r.seq)}}`
  );
}
