import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { alertLevels } from './alert-levels.ts';
import { windowSchema } from '../contract/congestion-record.ts';
import { idSchema } from '../contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import { DEFAULT_PCU_WEIGHTS, type PcuWeights } from '../traffic/pcu.ts';

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);
const optionalPort = z.coerce.number().int().min(0).max(65535).optional();
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

/**
 * An IANA time zone name ("Asia/Ho_Chi_Minh", "UTC", "Etc/GMT-7") that this runtime's Intl knows.
 * Offsets such as "+07:00" are refused: a zone name also carries the zone's history and rules.
 */
const ianaTimeZone = z
  .string()
  .trim()
  .refine((name) => {
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone name such as Asia/Ho_Chi_Minh');
/** A PEM file (certificate, key, CA) this process can read: checked at start-up, so a typo stops it naming the variable. */
const pemFile = z
  .string()
  .superRefine((path, ctx) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return;
    }
    if (!text.includes('-----BEGIN ')) ctx.addIssue({ code: 'custom', message: 'not a PEM file (no "-----BEGIN" line)' });
  })
  .optional();

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
    .describe('deprecated: comma-separated plain API keys with scope read (use ROADPULSE_API_KEYS_FILE); when set, /api requires "Authorization: Bearer <key>"'),
  ROADPULSE_MAX_READING_AGE_S: positiveInt(7 * 24 * 3600).describe('readings older than this are rejected (stale_ts)'),
  ROADPULSE_MAX_FUTURE_S: z.coerce.number().int().min(0).default(300).describe('readings further in the future are rejected (future_ts)'),
  ROADPULSE_PCU_WEIGHTS: pcuWeights.describe('PCU weight overrides, e.g. "motorbike=0.25,bus=3"'),
  ROADPULSE_AGGREGATOR_GRACE_S: z.coerce.number().int().min(0).default(30).describe('how long after a window ends it is closed (late readings)'),
  ROADPULSE_BUS_RETENTION_H: positiveInt(168).describe('embedded bus: hours a message (telemetry, dead letter, …) is kept, read or not'),
  ROADPULSE_HISTORY_MAX_POINTS: positiveInt(2000).describe('most buckets a history query may ask for'),
  ROADPULSE_SENSOR_KNOWN_H: positiveInt(24).describe('a sensor counts as known for its segment if it reported in this many hours'),

  // MQTT authentication and topic ACL of the embedded broker (services/ingest/mqtt-auth.ts).
  ROADPULSE_MQTT_CREDENTIALS_FILE: z
    .string()
    .optional()
    .describe('MQTT accounts (npm run credentials); when set, clients authenticate and the topic ACL applies'),
  ROADPULSE_MQTT_ALLOW_ANONYMOUS: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe('accept MQTT clients without credentials; default: true without a credentials file, false with one'),
  // API security (issue 13): hashed keys with scopes, rate limit, CORS allow-list, body limit.
  ROADPULSE_API_KEYS_FILE: z
    .string()
    .optional()
    .describe('API keys file (npm run api-keys) with scrypt-hashed keys and scopes read|admin; when it has keys, /api needs one'),
  ROADPULSE_API_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(0)
    .default(3000)
    .describe('requests per minute per API key (or client address); 0 = no limit; /healthz and /readyz are exempt'),
  ROADPULSE_API_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((o) => o.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'expected "*" or origins like https://ops.example.org[:port]')))
    .describe('comma-separated origins allowed to call the API from a browser (CORS); default none: same-origin only'),
  ROADPULSE_API_BODY_LIMIT: z.coerce.number().int().min(1024).default(16 * 1024).describe('largest request body in bytes (413 above)'),
  // Sensor health diagnostics (issue 12, README "Sensor health").
  ROADPULSE_HEALTH_STALE_INTERVALS: positiveInt(3).describe('a sensor is stale after this many of its intervals without a reading'),
  ROADPULSE_HEALTH_STUCK_READINGS: z.coerce.number().int().min(2).default(5).describe('a sensor is stuck after this many identical readings (counts and speed) in a row while a neighbour varies'),
  ROADPULSE_HEALTH_MAX_FLOW_PCU: positiveInt(3000).describe('a reading with a lane flow above this many pcu/h is implausible'),
  ROADPULSE_HEALTH_WINDOW_MIN: positiveInt(60).describe('minutes of a sensor\'s latest readings in which gaps, duplicates and implausible readings count'),
  ROADPULSE_HEALTH_GAP_SHARE: z.coerce.number().min(0).max(1).default(0).describe('a sensor is gappy when more than this share of its seq numbers is missing (0: any)'),
  ROADPULSE_HEALTH_SNAPSHOT_S: z.coerce.number().min(0.1).default(5).describe('seconds between the writer\'s stores of changed sensor health'),
  // Dashboard (issue 12): the city's time zone, for every time the dashboard shows.
  ROADPULSE_TIMEZONE: ianaTimeZone.default('Asia/Ho_Chi_Minh').describe('IANA time zone the dashboard shows times in'),

  // Distributed deployment: the services run alone (services/*/main.ts) and pick their adapters here.
  ROADPULSE_BUS: z.enum(['embedded', 'kafka']).default('embedded').describe('bus adapter of a service run alone'),
  ROADPULSE_STORE: z.enum(['embedded', 'influx']).default('embedded').describe('store adapter of a service run alone'),
  ROADPULSE_KAFKA_BROKERS: z
    .string()
    .default('localhost:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1))
    .describe('comma-separated Kafka bootstrap brokers (host:port)'),
  ROADPULSE_KAFKA_CLIENT_ID: z.string().default('roadpulse').describe('Kafka client id prefix'),
  ROADPULSE_KAFKA_PARTITIONS: positiveInt(6).describe('partitions of the topics roadpulse creates'),
  ROADPULSE_KAFKA_REPLICATION: positiveInt(1).describe('replication factor of the topics roadpulse creates'),
  ROADPULSE_INFLUX_URL: z.url().default('http://localhost:8086').describe('InfluxDB base URL (1.x, 2.x or 3.x)'),
  ROADPULSE_INFLUX_DATABASE: z.string().min(1).default('roadpulse').describe('InfluxDB database (1.x) or DBRP-mapped bucket (2.x/3.x)'),
  ROADPULSE_INFLUX_TOKEN: z.string().optional().describe('InfluxDB 2.x/3.x API token'),
  ROADPULSE_INFLUX_USERNAME: z.string().optional().describe('InfluxDB 1.x user'),
  ROADPULSE_INFLUX_PASSWORD: z.string().optional().describe('InfluxDB 1.x password'),
  ROADPULSE_MQTT_MODE: z
    .enum(['embedded', 'external'])
    .default('embedded')
    .describe('ingest: run the embedded broker, or subscribe to an external one'),
  ROADPULSE_MQTT_URL: z.string().default('mqtt://localhost:1883').describe('external broker URL (external mode)'),
  ROADPULSE_MQTT_SHARE_GROUP: idSchema.default('roadpulse-ingest').describe('MQTT 5 shared-subscription group (external mode)'),
  ROADPULSE_MQTT_CLIENT_ID: z.string().optional().describe('client id of ingest at the external broker (persistent session); default roadpulse-ingest-<host>-<n>'),
  ROADPULSE_MQTT_CONNECTIONS: positiveInt(4).describe('connections ingest opens to the external broker (each one a member of the shared group)'),

  // Congestion alerts (issue 12 item 1; shared/traffic/alert-rules.ts).
  ROADPULSE_ALERT_WINDOW: windowSchema.default('5m').describe('alerts: the window whose congestion records are judged'),
  ROADPULSE_ALERT_URBAN_LOS: alertLevels({ raise: 'E', clear: 'C' }).describe('alerts on urban segments: "raise=E,clear=C" (raise at or worse than, clear when better than)'),
  ROADPULSE_ALERT_HIGHWAY_LOS: alertLevels({ raise: 'E', clear: 'C' }).describe('alerts on highway segments: "raise=E,clear=C"'),
  ROADPULSE_ALERT_RAISE_S: z.coerce.number().int().min(0).default(300).describe('alerts: seconds a segment stays at or worse than the raise level before an alert is raised'),
  ROADPULSE_ALERT_CLEAR_S: z.coerce.number().int().min(0).default(300).describe('alerts: seconds a segment stays better than the clear level before its alert clears'),
  // FIWARE NGSI-LD (services/api/ngsi/): where clients fetch the @context the Link header names.
  ROADPULSE_NGSI_CONTEXT_URL: z
    .url()
    .optional()
    .describe('absolute URL of the NGSI-LD @context in responses; default: this server\'s /ngsi-ld/v1/contexts/roadpulse.jsonld (set it behind a proxy)'),
  // MQTT listeners (TLS, WebSocket), HTTPS for the API, and the broker's limits under abuse (issue 13, items 4–5).
  ROADPULSE_MQTT_TLS_PORT: optionalPort.describe('MQTT over TLS listener port (on ROADPULSE_MQTT_HOST); unset = no TLS listener; 0 picks a free port'),
  ROADPULSE_MQTT_TLS_CERT_FILE: pemFile.describe('PEM certificate (chain) of the MQTT TLS listener; reloaded when the file changes'),
  ROADPULSE_MQTT_TLS_KEY_FILE: pemFile.describe('PEM private key of the MQTT TLS listener; reloaded when the file changes'),
  ROADPULSE_MQTT_TLS_CA_FILE: pemFile.describe('PEM CA bundle: when set, TLS clients are asked for a certificate signed by it'),
  ROADPULSE_MQTT_TLS_REQUIRE_CLIENT_CERT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('with ROADPULSE_MQTT_TLS_CA_FILE: refuse TLS clients without a valid certificate (false: allow them, e.g. to log in with a password)'),
  ROADPULSE_MQTT_WS_PORT: optionalPort.describe('MQTT over WebSocket listener port (path /mqtt, subprotocol mqtt); unset = none; 0 picks a free port'),
  ROADPULSE_HTTP_TLS_CERT_FILE: pemFile.describe('PEM certificate: when set with ROADPULSE_HTTP_TLS_KEY_FILE, the API serves HTTPS only'),
  ROADPULSE_HTTP_TLS_KEY_FILE: pemFile.describe('PEM private key of the HTTPS API'),
  ROADPULSE_MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(1024).max(268_435_455).default(69_632)
    .describe('largest MQTT packet (remaining length); a larger one closes the connection as soon as its header arrives'),
  ROADPULSE_MQTT_MAX_TOPIC_BYTES: z.coerce.number().int().min(16).max(65_535).default(256).describe('longest topic (name or filter) in UTF-8 bytes'),
  ROADPULSE_MQTT_MAX_TOPIC_LEVELS: z.coerce.number().int().min(1).max(100).default(16).describe('most "/"-separated levels in a topic (name or filter)'),
  ROADPULSE_MQTT_MAX_CONNECTIONS: positiveInt(2000).describe('most open MQTT connections (all listeners together, before and after CONNECT)'),
  ROADPULSE_MQTT_MAX_CONNECTIONS_PER_ADDRESS: positiveInt(1000).describe('most open MQTT connections from one source address'),
  ROADPULSE_MQTT_CONNECT_TIMEOUT_S: positiveInt(10).describe('a connection that has not sent CONNECT (or finished TLS/WebSocket set-up) by then is closed'),
  ROADPULSE_MQTT_MAX_KEEPALIVE_S: positiveInt(1200).describe('a CONNECT keepalive of 0 or above this is clamped to it: a silent connection is closed after 1.5 × this'),
  ROADPULSE_MQTT_MAX_INFLIGHT: positiveInt(100).describe('messages of one connection handed to ingest and not yet answered; at this many, its socket is not read'),
  ROADPULSE_MQTT_MAX_INFLIGHT_BYTES: z.coerce.number().int().min(1024).default(262_144).describe('bytes of those messages; at this many, its socket is not read'),
  ROADPULSE_MQTT_DRAIN_TIMEOUT_S: positiveInt(10).describe('a client whose socket does not drain (a subscriber that stops reading) for this long is disconnected'),
});
export type Config = z.infer<typeof configSchema>;
