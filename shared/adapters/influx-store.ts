import type { Point } from '@influxdata/influxdb-client';
import { WINDOWS, type CongestionRecord, type WindowName } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { Alert } from '../contract/alert.ts';
import type { AlertQuery, BucketTotals, SegmentActivity, SensorSummary, Store, TimeRange } from '../ports/store.ts';
import type { AlertTrack } from '../traffic/alert-rules.ts';
import { InfluxAlerts } from './influx-alerts.ts';
import { SensorSummaries } from './sensor-summaries.ts';
import { addReading, zeroTotals, type DetectorTotals, type ReadingTerms } from '../traffic/detector-totals.ts';
import type { PcuWeights } from '../traffic/pcu.ts';
import { InfluxHttp, type InfluxConnectionOptions, type InfluxSeries, type Precision } from './influx-http.ts';
import {
  MEASUREMENT,
  READING_COLUMNS,
  TERM_FIELDS,
  congestionPoint,
  line,
  readingPoint,
  rejectionPoint,
  rowToCongestion,
  rowToReading,
  statusPoint,
  type Row,
} from './influx-points.ts';
import { anyOf, chunk, idLiteral, timeRange } from './influx-ql.ts';
import { storableCongestion, storableReading, storableRejection, storableStatus } from './influx-safe-ids.ts';
import { healthPoint, LATEST_HEALTH_QUERY, snapshotsOf } from './influx-sensor-health.ts';
import type { SensorHealthSnapshot } from '../contract/sensor-health.ts';
import { DETECTOR_SUMS, asNumber, detectorKey, rows, storedTerms } from './influx-detector-sums.ts';
import { detectorTotalsByBucket } from './influx-bucket-totals.ts';

export interface InfluxStoreOptions extends InfluxConnectionOptions {
  log: Logger;
  /** Points per /write request (default 5000). */
  maxPointsPerWrite?: number;
  /** Weights for the stored `pcu_total` field (default TCVN, DESIGN §5). */
  pcuWeights?: Readonly<PcuWeights>;
}

/**
 * Segment ids per InfluxQL statement (an OR of equalities, sent in the URL of GET /query: 50 ids of
 * up to 64 chars stay under the 8 KiB a proxy may allow); longer lists run as several statements.
 */
const IDS_PER_QUERY = 50;

/**
 * The distributed store (DESIGN §1, §7) on InfluxDB 1.x, 2.x and 3.x through the HTTP API all of
 * them serve: /write (line protocol from the client's Point) and /query (InfluxQL). A write
 * resolves only after InfluxDB accepted every point, so a consumer may commit its offsets then.
 */
export class InfluxStore implements Store {
  private readonly http: InfluxHttp;
  private readonly log: Logger;
  private readonly maxPointsPerWrite: number;
  private readonly weights: Readonly<PcuWeights> | undefined;
  private readonly alertPoints: InfluxAlerts;

  constructor(options: InfluxStoreOptions) {
    this.log = options.log.child({ component: 'influx-store' });
    this.http = new InfluxHttp(options, this.log);
    this.maxPointsPerWrite = options.maxPointsPerWrite ?? 5000;
    this.weights = options.pcuWeights;
    this.alertPoints = new InfluxAlerts(this.http);
  }

  async writeReadings(readings: Reading[]): Promise<void> {
    await this.write(readings.map((r) => readingPoint(storableReading(r), this.weights)), 'ms');
  }

  async writeCongestion(records: CongestionRecord[]): Promise<void> {
    await this.write(records.map((r) => congestionPoint(storableCongestion(r))), 'ms');
  }

  async writeSensorStatus(statuses: SensorStatus[]): Promise<void> {
    await this.write(statuses.map((s) => statusPoint(storableStatus(s))), 'ms');
  }

  async writeRejections(entries: DeadLetter[]): Promise<void> {
    // ns: see rejectionPoint (distinct rejections in one ms must not overwrite each other).
    await this.write(entries.map((e) => rejectionPoint(storableRejection(e))), 'ns');
  }

  async readings(range: TimeRange, segmentIds: readonly string[]): Promise<Reading[]> {
    const columns = READING_COLUMNS.map((c) => `"${c}"`).join(', ');
    const results = await Promise.all(
      chunk(segmentIds, IDS_PER_QUERY).map((ids) =>
        this.http.query(
          `SELECT ${columns} FROM "${MEASUREMENT.reading}" WHERE ${timeRange(range)} AND ${anyOf('segment_id', ids)}`,
        ),
      ),
    );
    return results.flatMap((series) => rows(series).map(rowToReading));
  }

  /**
   * Summed by InfluxDB, a row per detector (series): the terms InfluxQL cannot compute are stored
   * with each reading (influx-points.ts), so closing a window never reads its readings. A detector
   * with points stored before those fields existed (fewer terms than readings), or whose latest
   * point the second query missed (written in between), is summed here from its raw points instead.
   */
  async detectorTotals(range: TimeRange, segmentIds: readonly string[]): Promise<DetectorTotals[]> {
    const from = `FROM "${MEASUREMENT.reading}" WHERE ${timeRange(range)}`;
    const results = await Promise.all(
      chunk(segmentIds, IDS_PER_QUERY).map(async (ids) => {
        const where = `${from} AND ${anyOf('segment_id', ids)} GROUP BY "segment_id", "station_id", "sensor_id", "lane"`;
        const [sums, latest] = await Promise.all([this.http.query(`SELECT ${DETECTOR_SUMS} ${where}`), this.http.query(`SELECT last("interval_s") ${where}`)]);
        return { sums, latest };
      }),
    );
    const lastTs = new Map<string, number>();
    for (const s of results.flatMap((r) => r.latest)) for (const row of rows([s])) lastTs.set(detectorKey(s.tags), Number(row['time']));
    const totals: DetectorTotals[] = [];
    const fromPoints = new Map<string, string>(); // detector key → its segment
    for (const s of results.flatMap((r) => r.sums)) {
      const row = rows([s])[0];
      const key = detectorKey(s.tags);
      const last = lastTs.get(key);
      if (!row) continue;
      if (last === undefined || asNumber(row['with_terms']) < asNumber(row['readings'])) {
        fromPoints.set(key, s.tags['segment_id'] ?? '');
        continue;
      }
      totals.push({
        segmentId: s.tags['segment_id'] ?? '',
        stationId: s.tags['station_id'] || null,
        sensorId: s.tags['sensor_id'] ?? '',
        lane: s.tags['lane'] ? Number(s.tags['lane']) : null,
        seconds: asNumber(row['seconds']),
        counts: Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, asNumber(row[`count_${c}`])])) as DetectorTotals['counts'],
        ...storedTerms(row)!,
        lastTs: last,
      });
    }
    if (fromPoints.size > 0) totals.push(...(await this.totalsFromPoints(range, fromPoints)));
    return totals;
  }

  /** Some detectors' totals from their points, with each point's stored terms where it has them. */
  private async totalsFromPoints(range: TimeRange, detectors: Map<string, string>): Promise<DetectorTotals[]> {
    this.log.debug({ detectors: detectors.size }, 'summing detector totals from points (points without stored terms)');
    const columns = [...READING_COLUMNS, ...Object.values(TERM_FIELDS)].map((c) => `"${c}"`).join(', ');
    const series = await Promise.all(
      chunk([...new Set(detectors.values())], IDS_PER_QUERY).map((ids) =>
        this.http.query(`SELECT ${columns} FROM "${MEASUREMENT.reading}" WHERE ${timeRange(range)} AND ${anyOf('segment_id', ids)}`),
      ),
    );
    const byDetector = new Map<string, DetectorTotals>();
    for (const row of rows(series.flat())) {
      const r = rowToReading(row);
      const key = detectorKey({
        segment_id: r.segmentId, station_id: r.stationId ?? '', sensor_id: r.sensorId, lane: r.lane === null ? '' : String(r.lane),
      });
      if (!detectors.has(key)) continue;
      let t = byDetector.get(key);
      if (!t) byDetector.set(key, (t = zeroTotals(r)));
      // A stored term wins over the point's raw fields: InfluxDB keeps a field a rewrite left out.
      addReading(t, r, 1, storedTerms(row));
    }
    return [...byDetector.values()];
  }

  async segmentActivity(range: TimeRange, segmentIds: readonly string[]): Promise<Map<string, SegmentActivity>> {
    const activity = new Map<string, SegmentActivity>(segmentIds.map((id) => [id, { sensors: 0, lastReadingAt: null }]));
    const results = await Promise.all(
      chunk(segmentIds, IDS_PER_QUERY).map((ids) =>
        this.http.query(
          `SELECT last("interval_s") FROM "${MEASUREMENT.reading}" WHERE ${timeRange(range)} AND ${anyOf('segment_id', ids)} ` +
            'GROUP BY "segment_id", "sensor_id"',
        ),
      ),
    );
    // One series per (segment, sensor) with a reading in range, whose row time is its latest reading.
    for (const s of results.flat()) {
      const entry = activity.get(s.tags['segment_id'] ?? '');
      if (!entry) continue;
      entry.sensors += 1;
      for (const row of rows([s])) {
        const t = Number(row['time']);
        if (entry.lastReadingAt === null || t > entry.lastReadingAt) entry.lastReadingAt = t;
      }
    }
    return activity;
  }

  async congestionHistory(segmentId: string, window: WindowName, range: TimeRange): Promise<CongestionRecord[]> {
    if (!Object.hasOwn(WINDOWS, window)) throw new AppError('bad_request', `unknown window: ${String(window)}`);
    const series = await this.http.query(
      `SELECT * FROM "${MEASUREMENT.congestion}" WHERE "segment_id" = ${idLiteral(segmentId)} ` +
        `AND "window" = ${idLiteral(window)} AND ${timeRange(range)}`,
    );
    return rows(series).map(rowToCongestion);
  }

  async sensors(range: TimeRange): Promise<SensorSummary[]> {
    const inRange = `WHERE ${timeRange(range)}`;
    const [accepted, lastBySegment, rejected, states] = await Promise.all([
      this.http.query(`SELECT count("interval_s") FROM "${MEASUREMENT.reading}" ${inRange} GROUP BY "sensor_id"`),
      // Last reading per (sensor, segment); the latest of a sensor's series names its segment.
      this.http.query(`SELECT last("interval_s") FROM "${MEASUREMENT.reading}" ${inRange} GROUP BY "sensor_id", "segment_id"`),
      this.http.query(`SELECT count("count") FROM "${MEASUREMENT.rejection}" ${inRange} GROUP BY "sensor_id"`),
      // Latest state ever: no time condition.
      this.http.query(`SELECT last("state") FROM "${MEASUREMENT.status}" GROUP BY "sensor_id"`),
    ]);

    const summaries = new SensorSummaries();
    // A series without the tag (a rejection of an unknown sensor) comes back with sensor_id "".
    const each = (series: InfluxSeries[], fn: (sensorId: string, row: Row, tags: Record<string, string>) => void) => {
      for (const s of series) {
        const sensorId = s.tags['sensor_id'];
        const row = rows([s])[0];
        if (sensorId && row) fn(sensorId, row, s.tags);
      }
    };
    each(accepted, (id, row) => (summaries.of(id).accepted = asNumber(row['count'])));
    each(lastBySegment, (id, row, tags) => {
      const s = summaries.of(id);
      const at = asNumber(row['time']);
      if (s.lastReadingAt === null || at > s.lastReadingAt) Object.assign(s, { lastReadingAt: at, segmentId: tags['segment_id'] ?? null });
    });
    each(rejected, (id, row) => (summaries.of(id).rejected = asNumber(row['count'])));
    each(states, (id, row) => {
      const state = row['last'];
      if (state === 'online' || state === 'offline' || state === 'degraded') {
        Object.assign(summaries.of(id), { state, stateAt: asNumber(row['time']) });
      }
    });
    return summaries.sorted();
  }

  // Congestion alerts: influx-alerts.ts.
  writeAlerts(alerts: Alert[]): Promise<void> {
    return this.alertPoints.write(alerts);
  }

  alert(id: string): Promise<Alert | null> {
    return this.alertPoints.get(id);
  }

  alerts(query: AlertQuery): Promise<Alert[]> {
    return this.alertPoints.list(query);
  }

  acknowledgeAlert(id: string, by: string | null, at: number): Promise<Alert | null> {
    return this.alertPoints.acknowledge(id, by, at);
  }

  writeAlertTracks(tracks: AlertTrack[]): Promise<void> {
    return this.alertPoints.writeTracks(tracks);
  }

  alertTracks(): Promise<AlertTrack[]> {
    return this.alertPoints.tracks();
  }

  /**
   * Reachable, and our credentials and database work: /ping alone needs no token, so a wrong token
   * would look ready while every write fails with 401. An authenticated one-row query tells.
   */
  async ping(): Promise<void> {
    await this.http.ping();
    await this.http.query(`SELECT last("interval_s") FROM "${MEASUREMENT.reading}" WHERE time > now() - 1m`);
  }

  /** Nothing to release: every write was awaited and there is no client-side buffer. */
  async close(): Promise<void> {}

  async writeSensorHealth(snapshots: SensorHealthSnapshot[]): Promise<void> {
    await this.write(snapshots.map(healthPoint), 'ms');
  }

  async sensorHealth(): Promise<SensorHealthSnapshot[]> {
    return snapshotsOf(await this.http.query(LATEST_HEALTH_QUERY));
  }

  /** Sums grouped by time(bucket) in InfluxDB, the latest point per bucket from a second request (influx-bucket-totals.ts). */
  async detectorTotalsByBucket(range: TimeRange, segmentIds: readonly string[], bucketMs: number): Promise<BucketTotals[]> {
    return detectorTotalsByBucket(this.http, this.log, range, segmentIds, bucketMs);
  }

  private async write(points: Point[], precision: Precision): Promise<void> {
    for (const batch of chunk(points, this.maxPointsPerWrite)) {
      await this.http.write(batch.map(line), precision);
    }
    if (points.length > 0) this.log.debug({ points: points.length, precision }, 'points written');
  }
}
