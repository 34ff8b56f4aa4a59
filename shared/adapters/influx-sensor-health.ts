import { Point } from '@influxdata/influxdb-client';
import { sensorHealthSnapshotSchema, type SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { InfluxSeries } from './influx-http.ts';

/**
 * Measurement `sensor_health` (part of InfluxStore): tag `sensor_id`, time = the snapshot's `at`,
 * one field per snapshot value (a value that is null is left out). The latest point of a sensor's
 * series is its health; older points stay as its history until the retention policy drops them.
 */
export const HEALTH_MEASUREMENT = 'sensor_health';

export const LATEST_HEALTH_QUERY = `SELECT * FROM "${HEALTH_MEASUREMENT}" GROUP BY "sensor_id" ORDER BY time DESC LIMIT 1`;

export function healthPoint(s: SensorHealthSnapshot): Point {
  const p = new Point(HEALTH_MEASUREMENT)
    .tag('sensor_id', s.sensorId)
    .stringField('segment_id', s.segmentId)
    .intField('last_ts', s.lastTs)
    .intField('interval_s', s.intervalS);
  if (s.stuck) p.intField('stuck_since', s.stuck.since).intField('stuck_readings', s.stuck.readings);
  const imp = s.implausible;
  if (imp) {
    p.intField('implausible_since', imp.since).intField('implausible_last', imp.lastAt).intField('implausible_count', imp.count);
    p.stringField('implausible_rule', imp.rule).floatField('implausible_value', imp.value);
  }
  if (s.gaps) {
    p.intField('gap_missing', s.gaps.missing).intField('gap_expected', s.gaps.expected);
    if (s.gaps.since !== null) p.intField('gap_since', s.gaps.since);
  }
  const dup = s.duplicates;
  if (dup) p.intField('dup_since', dup.since).intField('dup_last', dup.lastAt).intField('dup_count', dup.count);
  return p.timestamp(s.at);
}

/** Snapshots from LATEST_HEALTH_QUERY's series (time as epoch ms); rows that do not parse are left out. */
export function snapshotsOf(series: readonly InfluxSeries[]): SensorHealthSnapshot[] {
  const out: SensorHealthSnapshot[] = [];
  for (const s of series) {
    const values = s.values[0];
    const sensorId = s.tags['sensor_id'];
    if (!values || !sensorId) continue;
    const row = Object.fromEntries(s.columns.map((c, i) => [c, values[i]]));
    const n = (k: string): number | null => (typeof row[k] === 'number' ? (row[k] as number) : null);
    const stuckSince = n('stuck_since');
    const impSince = n('implausible_since');
    const missing = n('gap_missing');
    const dupSince = n('dup_since');
    const parsed = sensorHealthSnapshotSchema.safeParse({
      sensorId,
      segmentId: row['segment_id'],
      at: n('time'),
      lastTs: n('last_ts'),
      intervalS: n('interval_s'),
      stuck: stuckSince === null ? null : { since: stuckSince, readings: n('stuck_readings') },
      implausible:
        impSince === null
          ? null
          : { since: impSince, lastAt: n('implausible_last'), count: n('implausible_count'), rule: row['implausible_rule'], value: n('implausible_value') },
      gaps: missing === null ? null : { missing, expected: n('gap_expected'), since: n('gap_since') },
      duplicates: dupSince === null ? null : { since: dupSince, lastAt: n('dup_last'), count: n('dup_count') },
    });
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
