import type Database from 'better-sqlite3';
import { VEHICLE_CLASSES, type VehicleClass } from '../contract/vehicle-classes.ts';
import type { BucketTotals, SegmentActivity, TimeRange } from '../ports/store.ts';
import type { DetectorTotals } from '../traffic/detector-totals.ts';
import { MIN_SPEED_KMH } from '../traffic/speed.ts';

const MINUTE = 60_000;
const COUNT_COLUMNS = VEHICLE_CLASSES.map((c) => `count_${c}`);
const SUM_COLUMNS = ['seconds', ...COUNT_COLUMNS, 'speed_vehicles', 'speed_hours', 'occupancy_seconds', 'occupancy_weighted'];

// One reading's DetectorTotals terms, in SQL over the readings table (lane 0 = none, as stored).
const VEHICLES = COUNT_COLUMNS.join(' + ');
const WITH_SPEED = `speed_kmh IS NOT NULL AND (${VEHICLES}) > 0`;
const READING_TERM_LIST = [
  'interval_s',
  ...COUNT_COLUMNS,
  `CASE WHEN ${WITH_SPEED} THEN ${VEHICLES} ELSE 0 END`,
  `CASE WHEN ${WITH_SPEED} THEN (${VEHICLES}) / MAX(speed_kmh, ${MIN_SPEED_KMH.toFixed(1)}) ELSE 0.0 END`,
  'CASE WHEN occupancy IS NOT NULL THEN interval_s ELSE 0 END',
  'COALESCE(occupancy * interval_s, 0.0)',
  'ts',
];
const READING_TERMS = READING_TERM_LIST.join(', ');
const TERM_NAMES = [...SUM_COLUMNS, 'last_ts'];
const READING_TERMS_AS = READING_TERM_LIST.map((t, i) => `${t} AS ${TERM_NAMES[i]}`).join(', ');

/** The whole minutes of the range come from the per-minute table, its partial first and last minutes from the readings. */
const UNION = `
  SELECT station_id, sensor_id, lane, ${SUM_COLUMNS.join(', ')}, last_ts FROM detector_minutes
    WHERE segment_id = @segment AND minute >= @innerFrom AND minute < @innerTo
  UNION ALL SELECT station_id, sensor_id, lane, ${READING_TERMS} FROM readings WHERE segment_id = @segment AND ts >= @from AND ts < @headTo
  UNION ALL SELECT station_id, sensor_id, lane, ${READING_TERMS} FROM readings WHERE segment_id = @segment AND ts >= @tailFrom AND ts < @to`;

/** UNION's rows with the start of their history bucket (@bucket ms, a whole number of minutes) in front. */
const BUCKETED_UNION = `
  SELECT minute / @bucket * @bucket AS bucket, station_id, sensor_id, lane, ${SUM_COLUMNS.join(', ')}, last_ts FROM detector_minutes
    WHERE segment_id = @segment AND minute >= @innerFrom AND minute < @innerTo
  UNION ALL SELECT ts / @bucket * @bucket, station_id, sensor_id, lane, ${READING_TERMS} FROM readings
    WHERE segment_id = @segment AND ts >= @from AND ts < @headTo
  UNION ALL SELECT ts / @bucket * @bucket, station_id, sensor_id, lane, ${READING_TERMS} FROM readings
    WHERE segment_id = @segment AND ts >= @tailFrom AND ts < @to`;

type TotalsRow = Record<`count_${VehicleClass}`, number> & {
  station_id: string;
  sensor_id: string;
  lane: number;
  seconds: number;
  speed_vehicles: number;
  speed_hours: number;
  occupancy_seconds: number;
  occupancy_weighted: number;
  last_ts: number;
};

/** A detector's sums over one minute, as writeReadings adds (or, for a rewritten reading, corrects) them. */
export interface MinuteDelta {
  minute: number;
  totals: DetectorTotals;
}

/**
 * Per-minute DetectorTotals kept beside the readings (one row per segment, minute, station, sensor
 * and lane), so that a window or a sensor look-back costs a row per detector and minute instead of a
 * row per reading: at load-test rates a 5-minute window holds millions of readings. Exact for any
 * range (up to floating-point rounding of the sums), since partial minutes at its ends are summed
 * from the readings themselves.
 */
export class DetectorMinutes {
  private readonly upsert: Database.Statement;
  private readonly totalsQuery: Database.Statement;
  private readonly activityQuery: Database.Statement;
  private readonly bucketTotalsQuery: Database.Statement;

  constructor(db: Database.Database) {
    // Check, create and fill in one write transaction: a crash or a second process opening the
    // file at the same time can never leave the table created but not filled.
    db.transaction(() => createAndFill(db)).immediate();
    this.upsert = db.prepare(
      `INSERT INTO detector_minutes VALUES (${Array(6 + SUM_COLUMNS.length).fill('?').join(', ')})
       ON CONFLICT (segment_id, minute, station_id, sensor_id, lane) DO UPDATE SET
       ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}, last_ts = MAX(last_ts, excluded.last_ts)`,
    );
    this.totalsQuery = db.prepare(
      `SELECT station_id, sensor_id, lane, ${SUM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}, MAX(last_ts) AS last_ts
       FROM (${UNION}) GROUP BY station_id, sensor_id, lane`,
    );
    this.activityQuery = db.prepare(`SELECT COUNT(DISTINCT sensor_id) AS sensors, MAX(last_ts) AS last FROM (${UNION})`);
    this.bucketTotalsQuery = db.prepare(
      `SELECT bucket, station_id, sensor_id, lane, ${SUM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}, MAX(last_ts) AS last_ts
       FROM (${BUCKETED_UNION}) GROUP BY bucket, station_id, sensor_id, lane`,
    );
  }

  /** Adds a batch's deltas; call inside the transaction that wrote the readings. */
  add(deltas: Iterable<MinuteDelta>): void {
    for (const { minute, totals: d } of deltas) {
      const c = d.counts;
      this.upsert.run(d.segmentId, minute, d.stationId ?? '', d.sensorId, d.lane ?? 0, d.seconds, c.motorbike, c.car, c.bus, c.truck, c.bicycle, c.other,
        d.speedVehicles, d.speedHours, d.occupancySeconds, d.occupancyWeighted, d.lastTs);
    }
  }

  totals(range: TimeRange, segmentId: string): DetectorTotals[] {
    return (this.totalsQuery.all({ segment: segmentId, ...minuteParts(range) }) as TotalsRow[]).map((r) => toTotals(segmentId, r));
  }

  /**
   * The totals per bucket of `bucketMs` (a whole number of minutes, so that no minute row straddles
   * two buckets): the same UNION as totals(), grouped by bucket too, so a week of 1-hour buckets
   * reads a row per detector and minute and returns a row per detector and bucket.
   */
  totalsByBucket(range: TimeRange, segmentId: string, bucketMs: number): BucketTotals[] {
    // A BigInt binds as INTEGER (a JS number binds as REAL, and `/` would not round down to the bucket).
    const params = { segment: segmentId, bucket: BigInt(bucketMs), ...minuteParts(range) };
    const rows = this.bucketTotalsQuery.all(params) as (TotalsRow & { bucket: number })[];
    return rows.map((r) => ({ bucketStart: r.bucket, totals: toTotals(segmentId, r) }));
  }

  /** Distinct sensors of the segment with a reading in range, and the latest one's ts. */
  activity(range: TimeRange, segmentId: string): SegmentActivity {
    const row = this.activityQuery.get({ segment: segmentId, ...minuteParts(range) }) as { sensors: number; last: number | null };
    return { sensors: row.sensors, lastReadingAt: row.last };
  }
}

function toTotals(segmentId: string, r: TotalsRow): DetectorTotals {
  return {
    segmentId,
    stationId: r.station_id === '' ? null : r.station_id,
    sensorId: r.sensor_id,
    lane: r.lane === 0 ? null : r.lane,
    seconds: r.seconds,
    counts: {
      motorbike: r.count_motorbike, car: r.count_car, bus: r.count_bus, truck: r.count_truck, bicycle: r.count_bicycle, other: r.count_other,
    },
    speedVehicles: r.speed_vehicles,
    speedHours: r.speed_hours,
    occupancySeconds: r.occupancy_seconds,
    occupancyWeighted: r.occupancy_weighted,
    lastTs: r.last_ts,
  };
}

function createAndFill(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(detector_minutes)').all() as { name: string }[];
  if (columns.some((c) => c.name === 'station_id')) return;
  // A table from before stations: rebuilt from the readings (its key gains the station).
  if (columns.length > 0) db.exec('DROP TABLE detector_minutes');
  db.exec(`CREATE TABLE detector_minutes (
    segment_id TEXT NOT NULL, minute INTEGER NOT NULL, station_id TEXT NOT NULL, sensor_id TEXT NOT NULL, lane INTEGER NOT NULL,
    seconds INTEGER NOT NULL, ${COUNT_COLUMNS.map((c) => `${c} INTEGER NOT NULL`).join(', ')},
    speed_vehicles INTEGER NOT NULL, speed_hours REAL NOT NULL, occupancy_seconds INTEGER NOT NULL,
    occupancy_weighted REAL NOT NULL, last_ts INTEGER NOT NULL,
    PRIMARY KEY (segment_id, minute, station_id, sensor_id, lane)) WITHOUT ROWID`);
  // A store written before the table existed: derive it from its readings (none in a new file).
  db.exec(`INSERT INTO detector_minutes
    SELECT segment_id, minute, station_id, sensor_id, lane, ${SUM_COLUMNS.map((c) => `SUM(${c})`).join(', ')}, MAX(last_ts) FROM (
      SELECT segment_id, ts / ${MINUTE} * ${MINUTE} AS minute, station_id, sensor_id, lane, ${READING_TERMS_AS} FROM readings)
    GROUP BY segment_id, minute, station_id, sensor_id, lane`);
}

/** [from, to) as its whole minutes plus the partial minutes before and after them. */
function minuteParts({ from, to }: TimeRange) {
  const innerFrom = Math.ceil(from / MINUTE) * MINUTE;
  const innerTo = Math.floor(to / MINUTE) * MINUTE;
  return innerFrom < innerTo
    ? { from, to, innerFrom, innerTo, headTo: innerFrom, tailFrom: innerTo }
    : { from, to, innerFrom: 0, innerTo: 0, headTo: to, tailFrom: to }; // within a minute or two: the readings alone
}
