import type { Point } from '@influxdata/influxdb-client';
import { WINDOWS, type CongestionRecord, type WindowName } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { SegmentActivity, SensorSummary, Store, TimeRange } from '../ports/store.ts';
import { SensorSummaries } from './sensor-summaries.ts';
import { detectorTotalsOf, type DetectorTotals } from '../traffic/detector-totals.ts';
import type { PcuWeights } from '../traffic/pcu.ts';
import { InfluxHttp, type InfluxConnectionOptions, type InfluxSeries, type Precision } from './influx-http.ts';
import {
  MEASUREMENT,
  READING_COLUMNS,
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

  constructor(options: InfluxStoreOptions) {
    this.log = options.log.child({ component: 'influx-store' });
    this.http = new InfluxHttp(options, this.log);
    this.maxPointsPerWrite = options.maxPointsPerWrite ?? 5000;
    this.weights = options.pcuWeights;
  }

  async writeReadings(readings: Reading[]): Promise<void> {
    await this.write(readings.map((r) => readingPoint(r, this.weights)), 'ms');
  }

  async writeCongestion(records: CongestionRecord[]): Promise<void> {
    await this.write(records.map(congestionPoint), 'ms');
  }

  async writeSensorStatus(statuses: SensorStatus[]): Promise<void> {
    await this.write(statuses.map(statusPoint), 'ms');
  }

  async writeRejections(entries: DeadLetter[]): Promise<void> {
    // ns: see rejectionPoint (distinct rejections in one ms must not overwrite each other).
    await this.write(entries.map(rejectionPoint), 'ns');
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
   * Summed here from the raw readings: InfluxQL's SUM takes one field, not the n / v of the
   * harmonic mean. (So a window's readings still pass through memory in this deployment.)
   */
  async detectorTotals(range: TimeRange, segmentIds: readonly string[]): Promise<DetectorTotals[]> {
    return detectorTotalsOf(await this.readings(range, segmentIds), range);
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

  private async write(points: Point[], precision: Precision): Promise<void> {
    for (const batch of chunk(points, this.maxPointsPerWrite)) {
      await this.http.write(batch.map(line), precision);
    }
    if (points.length > 0) this.log.debug({ points: points.length, precision }, 'points written');
  }
}

/** The rows of some series as objects keyed by column name. */
function rows(series: InfluxSeries[]): Row[] {
  return series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))));
}

function asNumber(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
