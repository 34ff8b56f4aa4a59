import { z } from 'zod';
import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import { DEFAULT_PCU_WEIGHTS, type PcuWeights } from '../traffic/pcu.ts';

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);
const positiveInt = (def: number) => z.coerce.number().int().min(1).default(def);

/** "motorbike=0.3,car=1" → weights, starting from the TCVN 4054:2005 defaults. */
const pcuWeights = z
  .string()
  .transform((text, ctx): PcuWeights => {
    const weights: PcuWeights = { ...DEFAULT_PCU_WEIGHTS };
    for (const pair of text.split(',')) {
      const parts = pair.split('=').map((s) => s.trim());
      const [name, value] = parts;
      const weight = value ? Number(value) : Number.NaN;
      const known = VEHICLE_CLASSES.includes(name as (typeof VEHICLE_CLASSES)[number]);
      if (parts.length !== 2 || !known || !Number.isFinite(weight) || weight < 0) {
        ctx.addIssue({ code: 'custom', message: `expected class=weight pairs of ${VEHICLE_CLASSES.join('|')}, got "${pair}"` });
        return z.NEVER;
      }
      weights[name as keyof PcuWeights] = weight;
    }
    return weights;
  })
  .optional()
  .transform((w) => w ?? { ...DEFAULT_PCU_WEIGHTS });

/** Every ROADPULSE_* variable. Defaults give the embedded deployment (DESIGN §9). */
export const configSchema = z.object({
  ROADPULSE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  ROADPULSE_DATA_DIR: z.string().default('./data').describe('where the embedded bus and store keep their files'),
  ROADPULSE_NETWORK_FILE: z.string().optional().describe('GeoJSON road network; default: the bundled Bình Dương network'),
  ROADPULSE_MQTT_HOST: z.string().default('0.0.0.0').describe('MQTT listener address'),
  ROADPULSE_MQTT_PORT: port(1883).describe('MQTT (TCP) listener port; 0 picks a free port'),
  ROADPULSE_HTTP_HOST: z.string().default('0.0.0.0').describe('HTTP (API and dashboard) listener address'),
  ROADPULSE_HTTP_PORT: port(8080).describe('HTTP port; 0 picks a free port'),
  ROADPULSE_API_KEYS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((k) => k.trim()).filter(Boolean) : []))
    .describe('comma-separated API keys; when set, /api requires "Authorization: Bearer <key>"'),
  ROADPULSE_MAX_READING_AGE_S: positiveInt(7 * 24 * 3600).describe('readings older than this are rejected (stale_ts)'),
  ROADPULSE_MAX_FUTURE_S: z.coerce.number().int().min(0).default(300).describe('readings further in the future are rejected (future_ts)'),
  ROADPULSE_PCU_WEIGHTS: pcuWeights.describe('PCU weight overrides, e.g. "motorbike=0.25,bus=3"'),
  ROADPULSE_AGGREGATOR_GRACE_S: z.coerce.number().int().min(0).default(30).describe('how long after a window ends it is closed (late readings)'),
  ROADPULSE_HISTORY_MAX_POINTS: positiveInt(2000).describe('most buckets a history query may ask for'),
  ROADPULSE_SENSOR_KNOWN_H: positiveInt(24).describe('a sensor counts as known for its segment if it reported in this many hours'),
});
export type Config = z.infer<typeof configSchema>;
