import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { stationsBeforeStations, type CongestionRecord, type WindowName } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import type { Alert } from '../contract/alert.ts';
import type { AlertQuery, BucketTotals, SegmentActivity, SensorSummary, Store, TimeRange } from '../ports/store.ts';
import type { AlertTrack } from '../traffic/alert-rules.ts';
import { SqliteAlerts } from './sqlite-alerts.ts';
import { checkBucketMs } from './bucket-ms.ts';
import { addReading, zeroTotals, type DetectorTotals } from '../traffic/detector-totals.ts';
import { DetectorMinutes, type MinuteDelta } from './sqlite-detector-minutes.ts';
import { SensorSummaries } from './sensor-summaries.ts';
import { SqliteSensorHealth } from './sqlite-sensor-health.ts';
import type { SensorHealthSnapshot } from '../contract/sensor-health.ts';

interface ReadingRow {
  sensor_id: string;
  segment_id: string;
  lane: number;
  station_id: string;
  ts: number;
  interval_s: number;
  count_motorbike: number;
  count_car: number;
  count_bus: number;
  count_truck: number;
  count_bicycle: number;
  count_other: number;
  speed_kmh: number | null;
  occupancy: number | null;
  seq: number | null;
}

const COUNT_COLUMNS = VEHICLE_CLASSES.map((c) => `count_${c}`);
const READING_COLUMNS = ['sensor_id', 'segment_id', 'lane', 'ts', 'interval_s', ...COUNT_COLUMNS, 'speed_kmh', 'occupancy', 'seq', 'station_id'];

/**
 * The embedded store: one SQLite file (WAL). Readings are keyed by (segment, ts, sensor, lane) like
 * an InfluxDB series + time, so writing a reading again overwrites it and a replay is idempotent.
 * Lane "none" is stored as 0 because SQLite treats NULLs in a key as distinct, and the default
 * station as '' for the same reason (in detector_minutes' key).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly insertReading: Database.Statement;
  private readonly overwriteReading: Database.Statement;
  private readonly tallySensorMinute: Database.Statement;
  private readonly selectReading: Database.Statement;
  private readonly detectorMinutes: DetectorMinutes;
  private readonly insertCongestion: Database.Statement;
  private readonly upsertStatus: Database.Statement;
  private readonly insertRejection: Database.Statement;
  private readonly alertTable: SqliteAlerts;
  private readonly health: SqliteSensorHealth;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS readings (
        sensor_id TEXT NOT NULL, segment_id TEXT NOT NULL, lane INTEGER NOT NULL, ts INTEGER NOT NULL,
        interval_s INTEGER NOT NULL, ${COUNT_COLUMNS.map((c) => `${c} INTEGER NOT NULL`).join(', ')},
        speed_kmh REAL, occupancy REAL, seq INTEGER, station_id TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (segment_id, ts, sensor_id, lane)) WITHOUT ROWID;
      DROP INDEX IF EXISTS readings_by_sensor;
      CREATE TABLE IF NOT EXISTS sensor_minutes (
        sensor_id TEXT NOT NULL, minute INTEGER NOT NULL, accepted INTEGER NOT NULL,
        last_ts INTEGER NOT NULL, last_segment TEXT NOT NULL, PRIMARY KEY (sensor_id, minute)) WITHOUT ROWID;
      DROP TABLE IF EXISTS segment_sensor_minutes;
      CREATE TABLE IF NOT EXISTS congestion (
        segment_id TEXT NOT NULL, window TEXT NOT NULL, to_ms INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (segment_id, window, to_ms)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sensor_status (
        sensor_id TEXT PRIMARY KEY, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rejections (
        sensor_id TEXT, received_at INTEGER NOT NULL, reason TEXT NOT NULL, entry_key TEXT NOT NULL UNIQUE);
      CREATE INDEX IF NOT EXISTS rejections_by_time ON rejections (received_at);`);
    addStationColumn(this.db);
    this.insertReading = this.db.prepare(
      `INSERT OR IGNORE INTO readings (${READING_COLUMNS.join(', ')}) VALUES (${READING_COLUMNS.map(() => '?').join(', ')})`,
    );
    const [keyColumns, valueColumns] = [READING_COLUMNS.slice(0, 4), READING_COLUMNS.slice(4)];
    this.selectReading = this.db.prepare(`SELECT ${READING_COLUMNS.join(', ')} FROM readings WHERE ${keyColumns.map((c) => `${c} = ?`).join(' AND ')}`);
    this.overwriteReading = this.db.prepare(
      `UPDATE readings SET ${valueColumns.map((c) => `${c} = ?`).join(', ')} WHERE ${keyColumns.map((c) => `${c} = ?`).join(' AND ')}`,
    );
    this.tallySensorMinute = this.db.prepare(
      `INSERT INTO sensor_minutes VALUES (?, ?, ?, ?, ?) ON CONFLICT (sensor_id, minute) DO UPDATE SET
         accepted = accepted + excluded.accepted,
         last_segment = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last_segment ELSE last_segment END,
         last_ts = MAX(last_ts, excluded.last_ts)`,
    );
    this.detectorMinutes = new DetectorMinutes(this.db);
    this.insertCongestion = this.db.prepare('INSERT OR REPLACE INTO congestion VALUES (?, ?, ?, ?)');
    this.upsertStatus = this.db.prepare(
      `INSERT INTO sensor_status VALUES (?, ?, ?, ?) ON CONFLICT (sensor_id) DO UPDATE SET
         state = excluded.state, at = excluded.at, detail = excluded.detail WHERE excluded.at >= sensor_status.at`,
    );
    this.insertRejection = this.db.prepare('INSERT OR IGNORE INTO rejections VALUES (?, ?, ?, ?)');
    this.alertTable = new SqliteAlerts(this.db);
    this.health = new SqliteSensorHealth(this.db);
  }

  /**
   * A new reading is inserted and counted for its sensor; one already stored (a replay) is
   * overwritten and not counted again. Per-sensor counts are kept per minute in `sensor_minutes`,
   * tallied once per batch from the batch's detector-minute deltas: far cheaper than an index on
   * (sensor_id, ts), whose random inserts cost more than the reading itself.
   */
  async writeReadings(readings: Reading[]): Promise<void> {
    this.db.transaction(() => {
      const deltas = new Map<string, StoredMinute>();
      for (const i of segmentOrder(readings)) {
        const r = readings[i]!;
        const c = r.counts;
        const lane = r.lane ?? 0;
        // Arguments written out: spreading arrays into run() cost a microsecond a reading.
        const added = this.insertReading.run(r.sensorId, r.segmentId, lane, r.ts, r.intervalS, c.motorbike, c.car, c.bus, c.truck, c.bicycle,
          c.other, r.speedKmh, r.occupancy, r.seq, r.stationId ?? '').changes;
        let replaced: Reading | undefined;
        if (added === 0) {
          replaced = this.overwrite(r, lane);
          if (!replaced) continue; // not stored for another reason than its key (a validated reading never is): count nothing
        }
        const delta = deltaOf(deltas, r);
        // A rewrite (rare): its old values leave the per-minute detector totals (of its old station), the new ones enter them.
        if (replaced) addReading(deltaOf(deltas, replaced).totals, replaced, -1);
        addReading(delta.totals, r, 1);
        delta.added += added;
        if (r.ts === delta.totals.lastTs) delta.latest = i; // indexes grow within a segment
      }
      this.detectorMinutes.add(deltas.values());
      for (const t of sensorMinuteTallies(deltas.values())) this.tallySensorMinute.run(t.sensorId, t.minute, t.added, t.lastTs, t.lastSegment);
    })();
  }

  /** Overwrites a stored reading with `r`; returns what it held (undefined: nothing was stored under r's key). */
  private overwrite(r: Reading, lane: number): Reading | undefined {
    const key = [r.sensorId, r.segmentId, lane, r.ts] as const;
    const old = this.selectReading.get(...key) as ReadingRow | undefined;
    if (!old) return undefined;
    const c = r.counts;
    this.overwriteReading.run(r.intervalS, c.motorbike, c.car, c.bus, c.truck, c.bicycle, c.other, r.speedKmh, r.occupancy, r.seq, r.stationId ?? '', ...key);
    return toReading(old);
  }

  async writeCongestion(records: CongestionRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of records) this.insertCongestion.run(r.segmentId, r.window, Date.parse(r.to), JSON.stringify(r));
    })();
  }

  async writeSensorStatus(statuses: SensorStatus[]): Promise<void> {
    this.db.transaction(() => {
      for (const s of statuses) this.upsertStatus.run(s.sensorId, s.state, s.at, JSON.stringify(s.detail));
    })();
  }

  async writeRejections(entries: DeadLetter[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of entries) {
        // The same dead letter replayed is counted once; different ones at the same ms are not merged.
        const key = createHash('sha1').update(JSON.stringify(e)).digest('base64');
        this.insertRejection.run(e.sensorId, Date.parse(e.receivedAt), e.reason, key);
      }
    })();
  }

  // Range queries go segment by segment along the primary key (segment_id, ts, …): no extra index
  // on ts to maintain on every insert.
  async readings(range: TimeRange, segmentIds: readonly string[]): Promise<Reading[]> {
    const query = this.db.prepare(
      `SELECT ${READING_COLUMNS.join(', ')} FROM readings WHERE segment_id = ? AND ts >= ? AND ts < ? ORDER BY ts`,
    );
    return segmentIds.flatMap((id) => (query.all(id, range.from, range.to) as ReadingRow[]).map(toReading));
  }

  /** From the per-minute detector totals (sqlite-detector-minutes.ts): a row per detector and minute, not per reading. */
  async detectorTotals(range: TimeRange, segmentIds: readonly string[]): Promise<DetectorTotals[]> {
    return segmentIds.flatMap((id) => this.detectorMinutes.totals(range, id));
  }

  /** From the per-minute detector totals too: the look-back is hours long. */
  async segmentActivity(range: TimeRange, segmentIds: readonly string[]): Promise<Map<string, SegmentActivity>> {
    return new Map(segmentIds.map((id) => [id, this.detectorMinutes.activity(range, id)]));
  }

  async congestionHistory(segmentId: string, window: WindowName, range: TimeRange): Promise<CongestionRecord[]> {
    const rows = this.db
      .prepare('SELECT record FROM congestion WHERE segment_id = ? AND window = ? AND to_ms >= ? AND to_ms < ? ORDER BY to_ms')
      .all(segmentId, window, range.from, range.to) as { record: string }[];
    return rows.map((r) => upgradeRecord(JSON.parse(r.record) as CongestionRecord));
  }

  async sensors(range: TimeRange): Promise<SensorSummary[]> {
    const summaries = new SensorSummaries();
    // Counted per minute: a minute counts when it overlaps the range (exact for minute-aligned ranges).
    // SQLite returns the bare column last_segment from the row holding MAX(last_ts).
    const accepted = this.db
      .prepare(
        `SELECT sensor_id, last_segment AS segment_id, MAX(last_ts) AS last, SUM(accepted) AS n FROM sensor_minutes
         WHERE minute > ? AND minute < ? GROUP BY sensor_id`,
      )
      .all(range.from - 60_000, range.to) as { sensor_id: string; segment_id: string; last: number; n: number }[];
    for (const r of accepted) Object.assign(summaries.of(r.sensor_id), { segmentId: r.segment_id, lastReadingAt: r.last, accepted: r.n });
    const rejected = this.db
      .prepare('SELECT sensor_id, COUNT(*) AS n FROM rejections WHERE sensor_id IS NOT NULL AND received_at >= ? AND received_at < ? GROUP BY sensor_id')
      .all(range.from, range.to) as { sensor_id: string; n: number }[];
    for (const r of rejected) summaries.of(r.sensor_id).rejected = r.n;
    const states = this.db.prepare('SELECT sensor_id, state, at FROM sensor_status').all() as {
      sensor_id: string;
      state: SensorSummary['state'];
      at: number;
    }[];
    for (const s of states) Object.assign(summaries.of(s.sensor_id), { state: s.state, stateAt: s.at });
    return summaries.sorted();
  }

  // Congestion alerts: sqlite-alerts.ts.
  async writeAlerts(alerts: Alert[]): Promise<void> {
    this.alertTable.write(alerts);
  }

  async alert(id: string): Promise<Alert | null> {
    return this.alertTable.get(id);
  }

  async alerts(query: AlertQuery): Promise<Alert[]> {
    return this.alertTable.list(query);
  }

  async acknowledgeAlert(id: string, by: string | null, at: number): Promise<Alert | null> {
    return this.alertTable.acknowledge(id, by, at);
  }

  async writeAlertTracks(tracks: AlertTrack[]): Promise<void> {
    this.alertTable.writeTracks(tracks);
  }

  async alertTracks(): Promise<AlertTrack[]> {
    return this.alertTable.tracks();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async writeSensorHealth(snapshots: SensorHealthSnapshot[]): Promise<void> {
    this.health.write(snapshots);
  }

  async sensorHealth(): Promise<SensorHealthSnapshot[]> {
    return this.health.all();
  }

  /** From the per-minute detector totals, grouped by bucket in SQL (sqlite-detector-minutes.ts). */
  async detectorTotalsByBucket(range: TimeRange, segmentIds: readonly string[], bucketMs: number): Promise<BucketTotals[]> {
    checkBucketMs(bucketMs);
    return segmentIds.flatMap((id) => this.detectorMinutes.totalsByBucket(range, id, bucketMs));
  }
}

/** Readings stored before stations existed belong to their segment's default station (''). */
function addStationColumn(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(readings)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'station_id')) db.exec("ALTER TABLE readings ADD COLUMN station_id TEXT NOT NULL DEFAULT ''");
}

/**
 * A record as stored by an older version: before stations (no stationsReporting) it had one
 * station, the default one; before sensor health (no sensorsFaulty) health was unknown.
 */
function upgradeRecord(stored: Partial<CongestionRecord> & Omit<CongestionRecord, 'stationsReporting' | 'sensorsFaulty'>): CongestionRecord {
  return {
    ...stored,
    stationsReporting: stored.stationsReporting ?? stationsBeforeStations(stored.sensorsReporting),
    sensorsFaulty: stored.sensorsFaulty ?? null,
  };
}

/**
 * A detector-minute delta of one batch, with how many of its readings were new (not rewrites) and
 * the batch index of its latest reading (the later one of equal ts).
 */
type StoredMinute = MinuteDelta & { added: number; latest: number };

/**
 * Indexes of the batch's readings grouped by segment, in order within each: inserts along one
 * segment's part of the primary key touch the same B-tree pages one after another (about 1 µs a
 * reading cheaper than arrival order at load-test rates).
 */
function segmentOrder(readings: readonly Reading[]): number[] {
  const groups = new Map<string, number[]>();
  readings.forEach((r, i) => {
    const group = groups.get(r.segmentId);
    if (group) group.push(i);
    else groups.set(r.segmentId, [i]);
  });
  return [...groups.values()].flat();
}

function deltaOf(deltas: Map<string, StoredMinute>, r: Reading): StoredMinute {
  const minute = Math.floor(r.ts / 60_000) * 60_000;
  const key = `${r.segmentId}\n${minute}\n${r.stationId ?? ''}\n${r.sensorId}\n${r.lane ?? 0}`;
  let d = deltas.get(key);
  // A wrapper rather than `{ ...zeroTotals(r), minute }`: objects made by spreading slowed addReading threefold.
  if (!d) deltas.set(key, (d = { minute, totals: zeroTotals(r), added: 0, latest: -1 }));
  return d;
}

/** Per sensor and minute: readings added, and the segment of the latest one (of equal ts, the one that came later). */
function sensorMinuteTallies(deltas: Iterable<StoredMinute>) {
  const tallies = new Map<string, { sensorId: string; minute: number; added: number; lastTs: number; latest: number; lastSegment: string }>();
  for (const { minute, totals, added, latest } of deltas) {
    const key = `${totals.sensorId}\n${minute}`;
    const t = tallies.get(key);
    if (!t) tallies.set(key, { sensorId: totals.sensorId, minute, added, lastTs: totals.lastTs, latest, lastSegment: totals.segmentId });
    else {
      t.added += added;
      if (totals.lastTs > t.lastTs || (totals.lastTs === t.lastTs && latest > t.latest)) {
        Object.assign(t, { lastTs: totals.lastTs, latest, lastSegment: totals.segmentId });
      }
    }
  }
  return tallies.values();
}

function toReading(r: ReadingRow): Reading {
  return {
    sensorId: r.sensor_id,
    segmentId: r.segment_id,
    ts: r.ts,
    intervalS: r.interval_s,
    lane: r.lane === 0 ? null : r.lane,
    stationId: r.station_id === '' ? null : r.station_id,
    counts: {
      motorbike: r.count_motorbike,
      car: r.count_car,
      bus: r.count_bus,
      truck: r.count_truck,
      bicycle: r.count_bicycle,
      other: r.count_other,
    },
    speedKmh: r.speed_kmh,
    occupancy: r.occupancy,
    seq: r.seq,
  };
}
