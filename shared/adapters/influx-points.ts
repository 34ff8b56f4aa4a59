import { createHash } from 'node:crypto';
import { Point } from '@influxdata/influxdb-client';
import { stationsBeforeStations, type CongestionRecord, type Los, type WindowName } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import { readingTerms, type ReadingTerms } from '../traffic/detector-totals.ts';
import { DEFAULT_PCU_WEIGHTS, pcuTotal, vehicleTotal, type PcuWeights } from '../traffic/pcu.ts';

/**
 * DESIGN §7 measurements as InfluxDB points. Line protocol comes only from the client library's
 * `Point` (it escapes tags, field keys and string values); numbers in ms unless noted.
 */
export const MEASUREMENT = {
  reading: 'traffic_reading',
  congestion: 'segment_congestion',
  status: 'sensor_status',
  rejection: 'telemetry_rejection',
} as const;

/** A row of a query result, by column name. */
export type Row = Record<string, unknown>;

/** Line protocol of a point; every point built here has at least one field. */
export function line(point: Point): string {
  const lp = point.toLineProtocol();
  if (lp === undefined) throw new Error(`point without fields: ${point.toString()}`);
  return lp;
}

// --- traffic_reading ---------------------------------------------------------------------
// Series = (sensor_id, segment_id, lane, station_id) and time = ts: the port's reading identity, so writing the
// same reading again overwrites it (DESIGN §7). InfluxDB merges fields on overwrite, so a field
// omitted in the newer write (a value that became null) keeps its older value.

export function readingPoint(r: Reading, weights: Readonly<PcuWeights> = DEFAULT_PCU_WEIGHTS): Point {
  const p = new Point(MEASUREMENT.reading).tag('sensor_id', r.sensorId).tag('segment_id', r.segmentId);
  if (r.lane !== null) p.tag('lane', String(r.lane));
  // A tag, so that detector sums can be grouped by station; absent for the default station.
  if (r.stationId != null) p.tag('station_id', r.stationId);
  p.intField('interval_s', r.intervalS);
  for (const c of VEHICLE_CLASSES) p.intField(`count_${c}`, r.counts[c]);
  p.intField('count_total', vehicleTotal(r.counts)).floatField('pcu_total', pcuTotal(r.counts, weights));
  if (r.speedKmh !== null) p.floatField('speed_kmh', r.speedKmh);
  if (r.occupancy !== null) p.floatField('occupancy', r.occupancy);
  if (r.seq !== null) p.intField('seq', r.seq);
  // The reading's terms of the detector sums (DetectorTotals) that InfluxQL cannot compute from the
  // fields above (SUM takes a field, not n / v): with them a window's totals are one query of sums.
  // Always written, 0 when not applicable, so a rewrite that drops a speed also drops its terms.
  const t = readingTerms(r);
  p.intField(TERM_FIELDS.speedVehicles, t.speedVehicles).floatField(TERM_FIELDS.speedHours, t.speedHours);
  p.intField(TERM_FIELDS.occupancySeconds, t.occupancySeconds).floatField(TERM_FIELDS.occupancyWeighted, t.occupancyWeighted);
  return p.timestamp(r.ts);
}

export const TERM_FIELDS = {
  speedVehicles: 'speed_vehicles',
  speedHours: 'speed_hours',
  occupancySeconds: 'occupancy_seconds',
  occupancyWeighted: 'occupancy_weighted',
} as const satisfies Record<keyof ReadingTerms, string>;

export const READING_COLUMNS = [
  'sensor_id',
  'segment_id',
  'lane',
  'station_id',
  'interval_s',
  ...VEHICLE_CLASSES.map((c) => `count_${c}`),
  'speed_kmh',
  'occupancy',
  'seq',
] as const;

export function rowToReading(row: Row): Reading {
  const counts = Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, num(row[`count_${c}`]) ?? 0])) as Reading['counts'];
  const lane = row['lane'];
  const station = row['station_id'];
  return {
    sensorId: str(row['sensor_id']),
    segmentId: str(row['segment_id']),
    ts: num(row['time']) ?? 0,
    intervalS: num(row['interval_s']) ?? 0,
    lane: typeof lane === 'string' && lane !== '' ? Number(lane) : null,
    stationId: typeof station === 'string' && station !== '' ? station : null,
    counts,
    speedKmh: num(row['speed_kmh']),
    occupancy: num(row['occupancy']),
    seq: num(row['seq']),
  };
}

// --- segment_congestion ------------------------------------------------------------------
// Series = (segment_id, window), time = `to`: one record per (segment, window, to), rewritten in place.

const CONGESTION_FLOATS = [
  ['flowVph', 'flow_vph'],
  ['flowPcuph', 'flow_pcuph'],
  ['speedKmh', 'speed_kmh'],
  ['occupancy', 'occupancy'],
  ['densityPcuPerKmLane', 'density_pcu_per_km_lane'],
  ['speedRatio', 'speed_ratio'],
  ['tti', 'tti'],
  ['congestionPct', 'congestion_pct'],
  ['jamFactor', 'jam_factor'],
] as const satisfies readonly (readonly [keyof CongestionRecord, string])[];

export function congestionPoint(r: CongestionRecord): Point {
  const p = new Point(MEASUREMENT.congestion).tag('segment_id', r.segmentId).tag('window', r.window);
  // Always present, so even a no_data record (every measured field null) is a valid point.
  p.stringField('status', r.status)
    .intField('sensors_reporting', r.sensorsReporting)
    .intField('sensors_known', r.sensorsKnown)
    .intField('stations_reporting', r.stationsReporting)
    .intField('from_ms', Date.parse(r.from));
  for (const [key, field] of CONGESTION_FLOATS) {
    const v = r[key];
    // null → no field. A non-finite number has no line-protocol form; JSON (bus, SQLite) makes it null too.
    if (v !== null && Number.isFinite(v)) p.floatField(field, v);
  }
  if (r.los !== null) p.stringField('los', r.los);
  if (r.lastReadingAt !== null) p.intField('last_reading_at_ms', Date.parse(r.lastReadingAt));
  if (r.sensorsFaulty !== null) p.intField('sensors_faulty', r.sensorsFaulty);
  return p.timestamp(Date.parse(r.to));
}

export function rowToCongestion(row: Row): CongestionRecord {
  const floats = Object.fromEntries(CONGESTION_FLOATS.map(([key, field]) => [key, num(row[field])])) as Pick<
    CongestionRecord,
    (typeof CONGESTION_FLOATS)[number][0]
  >;
  const last = num(row['last_reading_at_ms']);
  const los = row['los'];
  return {
    segmentId: str(row['segment_id']),
    window: str(row['window']) as WindowName,
    from: iso(num(row['from_ms']) ?? 0),
    to: iso(num(row['time']) ?? 0),
    status: row['status'] === 'no_data' ? 'no_data' : 'ok',
    ...floats,
    los: typeof los === 'string' ? (los as Los) : null,
    sensorsReporting: num(row['sensors_reporting']) ?? 0,
    sensorsKnown: num(row['sensors_known']) ?? 0,
    stationsReporting: num(row['stations_reporting']) ?? stationsBeforeStations(num(row['sensors_reporting']) ?? 0),
    sensorsFaulty: num(row['sensors_faulty']),
    lastReadingAt: last === null ? null : iso(last),
  };
}

// --- sensor_status -----------------------------------------------------------------------
// Series = sensor_id, time = at (when ingest received the status): `last("state")` is the latest
// state whatever order the statuses reach the store in.

export function statusPoint(s: SensorStatus): Point {
  return new Point(MEASUREMENT.status)
    .tag('sensor_id', s.sensorId)
    .stringField('state', s.state)
    .stringField('detail', JSON.stringify(s.detail))
    .timestamp(s.at);
}

// --- telemetry_rejection (written with precision ns) --------------------------------------
// Series = (reason, sensor_id when known). Two different rejections of one sensor for one reason in
// the same ms would share series and ms time and the second would overwrite the first. So the time
// is receivedAt in ns plus an offset below 1 ms derived from the entry's content: a different
// rejection in the same ms gets a different time (distinct batch indexes of one message always do;
// other pairs collide with probability 1e-3…1e-6), while the same entry written again (a replay of
// the DLQ) lands on the same time and overwrites itself — the port's "may count twice only if
// receivedAt differs". An offset, unlike an extra tag, adds no series (tag cardinality). The ms
// range queries of sensors() are unaffected: the offset never leaves the ms of receivedAt.

export function rejectionPoint(e: DeadLetter): Point {
  const p = new Point(MEASUREMENT.rejection).tag('reason', e.reason);
  if (e.sensorId !== null) p.tag('sensor_id', e.sensorId);
  p.intField('count', 1).stringField('detail', e.detail).stringField('mqtt_topic', e.mqttTopic);
  if (e.clientId !== null) p.stringField('client_id', e.clientId);
  if (e.batchIndex !== null) p.intField('batch_index', e.batchIndex);
  const ns = BigInt(Date.parse(e.receivedAt)) * 1_000_000n + BigInt(subMillisecondOffset(e));
  return p.timestamp(ns.toString());
}

function subMillisecondOffset(e: DeadLetter): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([e.reason, e.sensorId, e.mqttTopic, e.clientId, e.batchIndex, e.detail, e.payload]))
    .digest();
  const h = digest.readUIntBE(0, 6);
  if (e.batchIndex === null) return h % 1_000_000;
  return (e.batchIndex % 1000) * 1000 + (h % 1000);
}

// --- value helpers -------------------------------------------------------------------------

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
