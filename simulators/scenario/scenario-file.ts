import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VEHICLE_CLASSES } from '../../shared/contract/vehicle-classes.ts';
import { FAULT_KINDS } from '../fleet/faults.ts';

/** Directory of the bundled scenarios (simulators/scenarios/*.json). */
export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

const share = z.number().min(0).max(1);
const mixShares = z.partialRecord(z.enum(VEHICLE_CLASSES), z.number().min(0));
const faultRates = z.partialRecord(z.enum(FAULT_KINDS), share);

/** A scenario file: every field optional; command-line options override it. */
export const scenarioSchema = z.strictObject({
  description: z.string().optional(),
  sensors: z.number().int().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  intervalS: z.number().int().min(1).max(3600).optional(),
  /** Segment ids that get detectors; `*` matches any characters (e.g. "ql13-nb-*"). */
  segments: z.array(z.string().min(1)).min(1).optional(),
  demand: z.strictObject({ scale: z.number().positive().optional(), segmentVariation: z.number().min(0).max(0.5).optional() }).optional(),
  mix: z.strictObject({ urban: mixShares.optional(), highway: mixShares.optional() }).optional(),
  gateways: z.strictObject({ share: share.optional(), stationsPerGateway: z.number().int().min(1).optional() }).optional(),
  faults: z
    .strictObject({ rates: faultRates.optional(), skewS: z.number().int().optional(), blockSize: z.number().int().min(1).optional() })
    .optional(),
  incidents: z
    .array(
      z.strictObject({
        segmentId: z.string().min(1),
        lanesBlocked: z.number().int().min(1),
        /** Minutes after the simulated start. */
        startMin: z.number().min(0),
        durationMin: z.number().positive(),
        /** Where the blockage stands, metres from the segment's start (default a third of the way along). */
        offsetM: z.number().min(0).optional(),
      }),
    )
    .optional(),
  /** Default simulated period: the latest one starting at local `startLocal` that has ended. */
  time: z
    .strictObject({ startLocal: z.string().regex(/^\d{1,2}:\d{2}$/).optional(), duration: z.string().optional(), weekdayOnly: z.boolean().optional() })
    .optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

/** Names of the bundled scenarios. */
export function scenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A bundled scenario by name, or a file by path (anything with a "/" or ending in .json). */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? nameOrPath : `${SCENARIO_DIR}${nameOrPath}.json`;
  if (!existsSync(file)) {
    throw new Error(`no scenario "${nameOrPath}"${isPath ? '' : `; bundled: ${scenarioNames().join(', ')}`}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`scenario ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`scenario ${file} is invalid:\n${problems}`);
  }
  return parsed.data;
}
