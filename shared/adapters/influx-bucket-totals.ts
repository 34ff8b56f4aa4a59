import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { BucketTotals, TimeRange } from '../ports/store.ts';
import { addReading, zeroTotals, type DetectorTotals } from '../traffic/detector-totals.ts';
import { checkBucketMs } from './bucket-ms.ts';
import { DETECTOR_SUMS, asNumber, detectorKey, rows, storedTerms } from './influx-detector-sums.ts';
import type { InfluxHttp } from './influx-http.ts';
import { MEASUREMENT, READING_COLUMNS, TERM_FIELDS, rowToReading } from './influx-points.ts';
import { anyOf, chunk, timeRange } from './influx-ql.ts';

/** Segment ids per statement, as in influx-store.ts. */
const IDS_PER_QUERY = 50;
/** Statements per POST /query for the latest point of each bucket (a few hundred bytes each). */
const STATEMENTS_PER_REQUEST = 200;
const BY_DETECTOR = 'GROUP BY "segment_id", "station_id", "sensor_id", "lane"';

/**
 * Store.detectorTotalsByBucket on InfluxDB: the sums of influx-store.ts detectorTotals grouped by
 * `time(<bucket>)` as well, so InfluxDB returns a row per detector and bucket and no reading passes
 * through here. InfluxDB aligns time() intervals to the epoch (for intervals up to a week, offset
 * 0), as our buckets are, and cuts the first and last interval at the WHERE range, as the port asks.
 *
 * The latest ts per detector and bucket (DetectorTotals.lastTs) is the one thing InfluxQL does not
 * give in the same query: with GROUP BY time() a selector such as last() reports the interval's
 * start, not its point's time. So a second request asks, for each bucket that has data, the
 * ungrouped-by-time `last("interval_s")` per detector, whose row time is the point's own: one
 * statement per bucket, sent together in POST /query bodies.
 *
 * A detector-bucket with points stored before the term fields existed, or whose latest point the
 * second request did not see (written in between), is summed here from its raw points instead, as
 * detectorTotals does.
 */
export async function detectorTotalsByBucket(
  http: InfluxHttp,
  log: Logger,
  range: TimeRange,
  segmentIds: readonly string[],
  bucketMs: number,
): Promise<BucketTotals[]> {
  checkBucketMs(bucketMs);
  const out: BucketTotals[] = [];
  const fromPoints = new Map<string, Set<string>>(); // segment → its detector-buckets to sum from points
  await Promise.all(
    chunk(segmentIds, IDS_PER_QUERY).map(async (ids) => {
      const where = `FROM "${MEASUREMENT.reading}" WHERE ${timeRange(range)} AND ${anyOf('segment_id', ids)}`;
      const sums = await http.query(`SELECT ${DETECTOR_SUMS} ${where} GROUP BY time(${bucketMs}ms), "segment_id", "station_id", "sensor_id", "lane" fill(none)`);
      const starts = new Set<number>();
      for (const s of sums) for (const row of rows([s])) starts.add(Number(row['time']));
      const lastTs = await latestPerBucket(http, [...starts], range, bucketMs, ids);
      for (const s of sums) {
        const key = detectorKey(s.tags);
        for (const row of rows([s])) {
          const bucketStart = Number(row['time']);
          const last = lastTs.get(`${bucketStart}\n${key}`);
          if (last === undefined || asNumber(row['with_terms']) < asNumber(row['readings'])) {
            const segment = s.tags['segment_id'] ?? '';
            let keys = fromPoints.get(segment);
            if (!keys) fromPoints.set(segment, (keys = new Set()));
            keys.add(`${bucketStart}\n${key}`);
            continue;
          }
          out.push({ bucketStart, totals: totalsOfRow(s.tags, row, last) });
        }
      }
    }),
  );
  if (fromPoints.size > 0) out.push(...(await bucketsFromPoints(http, log, range, bucketMs, fromPoints)));
  return out;
}

/** `bucket start\ndetector key` → the ts of the detector's latest point in that bucket (∩ range). */
async function latestPerBucket(
  http: InfluxHttp,
  starts: readonly number[],
  range: TimeRange,
  bucketMs: number,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const statements = starts.map((start) => {
    const bucket = { from: Math.max(start, range.from), to: Math.min(start + bucketMs, range.to) };
    return `SELECT last("interval_s") FROM "${MEASUREMENT.reading}" WHERE ${timeRange(bucket)} AND ${anyOf('segment_id', ids)} ${BY_DETECTOR}`;
  });
  const results = (await Promise.all(chunk(statements, STATEMENTS_PER_REQUEST).map((batch) => http.queryMany(batch)))).flat();
  const latest = new Map<string, number>();
  results.forEach((series, i) => {
    for (const s of series) for (const row of rows([s])) latest.set(`${starts[i]}\n${detectorKey(s.tags)}`, Number(row['time']));
  });
  return latest;
}

function totalsOfRow(tags: Record<string, string>, row: Record<string, unknown>, lastTs: number): DetectorTotals {
  return {
    segmentId: tags['segment_id'] ?? '',
    stationId: tags['station_id'] || null,
    sensorId: tags['sensor_id'] ?? '',
    lane: tags['lane'] ? Number(tags['lane']) : null,
    seconds: asNumber(row['seconds']),
    counts: Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, asNumber(row[`count_${c}`])])) as DetectorTotals['counts'],
    ...storedTerms(row)!,
    lastTs,
  };
}

/** Some detector-buckets (per segment) summed from their raw points, each point's stored terms winning over its raw fields. */
async function bucketsFromPoints(
  http: InfluxHttp,
  log: Logger,
  range: TimeRange,
  bucketMs: number,
  wanted: Map<string, Set<string>>,
): Promise<BucketTotals[]> {
  log.debug({ segments: wanted.size }, 'summing history buckets from points (points without stored terms)');
  const columns = [...READING_COLUMNS, ...Object.values(TERM_FIELDS)].map((c) => `"${c}"`).join(', ');
  const byKey = new Map<string, BucketTotals>();
  for (const [segment, keys] of wanted) {
    const starts = [...keys].map((k) => Number(k.slice(0, k.indexOf('\n'))));
    const span = { from: Math.max(range.from, Math.min(...starts)), to: Math.min(range.to, Math.max(...starts) + bucketMs) };
    const series = await http.query(`SELECT ${columns} FROM "${MEASUREMENT.reading}" WHERE ${timeRange(span)} AND ${anyOf('segment_id', [segment])}`);
    for (const row of rows(series)) {
      const r = rowToReading(row);
      const bucketStart = Math.floor(r.ts / bucketMs) * bucketMs;
      const key = `${bucketStart}\n${detectorKey({
        segment_id: r.segmentId, station_id: r.stationId ?? '', sensor_id: r.sensorId, lane: r.lane === null ? '' : String(r.lane),
      })}`;
      if (!keys.has(key)) continue;
      let b = byKey.get(key);
      if (!b) byKey.set(key, (b = { bucketStart, totals: zeroTotals(r) }));
      addReading(b.totals, r, 1, storedTerms(row));
    }
  }
  return [...byKey.values()];
}
