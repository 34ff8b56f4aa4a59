import { Point } from '@influxdata/influxdb-client';
import { parseAlertId, type Alert } from '../contract/alert.ts';
import type { AlertQuery } from '../ports/store.ts';
import type { AlertTrack } from '../traffic/alert-rules.ts';
import { lastEventAt, withAcknowledgement } from './alert-acknowledgement.ts';
import type { InfluxHttp, InfluxSeries } from './influx-http.ts';
import { line } from './influx-points.ts';
import { idLiteral } from './influx-ql.ts';

/**
 * Congestion alerts in InfluxDB (composed into InfluxStore). Points come only from the client's
 * `Point` (it escapes every value); queries only from validated ids and integers.
 *
 * - `traffic_alert`: series = segment_id, time = raisedAt, so an alert (whose id is
 *   {segmentId}@{raisedAt ms}) is one point rewritten in place. Fields: `id`, `state`,
 *   `event_at_ms` (later of raise and clear), `alert` (the alert service's JSON), and the
 *   acknowledgement `acknowledged_at_ms` / `acknowledged_by`. InfluxDB merges the fields of a
 *   rewrite, and the service writes the acknowledgement fields only when it knows them, so its
 *   rewrites never clear an acknowledgement made through the API.
 * - `traffic_alert_track`: series = segment_id, time = the track's last judged record; `track`
 *   (JSON). The latest point of each series is the segment's state.
 */
export const ALERT_MEASUREMENT = { alert: 'traffic_alert', track: 'traffic_alert_track' } as const;

export class InfluxAlerts {
  constructor(private readonly http: InfluxHttp) {}

  async write(alerts: Alert[]): Promise<void> {
    await this.http.write(alerts.map((a) => line(alertPoint(a))), 'ms');
  }

  async get(id: string): Promise<Alert | null> {
    const parsed = parseAlertId(id);
    if (!parsed) return null;
    const series = await this.http.query(
      `SELECT * FROM "${ALERT_MEASUREMENT.alert}" WHERE "segment_id" = ${idLiteral(parsed.segmentId)} AND time = ${parsed.raisedAtMs}ms`,
    );
    return toAlerts(series).find((a) => a.id === id) ?? null;
  }

  async list(q: AlertQuery): Promise<Alert[]> {
    const segment = q.segmentId === undefined ? '' : ` AND "segment_id" = ${idLiteral(q.segmentId)}`;
    if (q.state === 'active') {
      const series = await this.http.query(`SELECT * FROM "${ALERT_MEASUREMENT.alert}" WHERE "state" = 'active'${segment}`);
      return toAlerts(series)
        .filter((a) => a.state === 'active')
        .sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || a.id.localeCompare(b.id))
        .slice(0, q.limit);
    }
    const since = Math.trunc(q.since ?? 0);
    const series = await this.http.query(`SELECT * FROM "${ALERT_MEASUREMENT.alert}" WHERE "event_at_ms" >= ${since}${segment}`);
    return toAlerts(series)
      .filter((a) => lastEventAt(a) >= since)
      .sort((a, b) => lastEventAt(b) - lastEventAt(a) || a.id.localeCompare(b.id))
      .slice(0, q.limit);
  }

  /** Read, then write the acknowledgement fields alone (merged into the point) if none is stored yet. */
  async acknowledge(id: string, by: string | null, at: number): Promise<Alert | null> {
    const stored = await this.get(id);
    if (!stored || stored.acknowledgedAt !== null) return stored;
    const p = new Point(ALERT_MEASUREMENT.alert).tag('segment_id', stored.segmentId).intField('acknowledged_at_ms', at);
    if (by !== null) p.stringField('acknowledged_by', by);
    await this.http.write([line(p.timestamp(Date.parse(stored.raisedAt)))], 'ms');
    return withAcknowledgement(stored, at, by);
  }

  async writeTracks(tracks: AlertTrack[]): Promise<void> {
    const points = tracks.map((t) =>
      new Point(ALERT_MEASUREMENT.track)
        .tag('segment_id', t.segmentId)
        .stringField('track', JSON.stringify(t))
        .timestamp(t.lastTo ?? Date.now()),
    );
    await this.http.write(points.map(line), 'ms');
  }

  async tracks(): Promise<AlertTrack[]> {
    const series = await this.http.query(`SELECT last("track") FROM "${ALERT_MEASUREMENT.track}" GROUP BY "segment_id"`);
    return rows(series).flatMap((row) => (typeof row['last'] === 'string' ? [JSON.parse(row['last']) as AlertTrack] : []));
  }
}

function alertPoint(a: Alert): Point {
  const p = new Point(ALERT_MEASUREMENT.alert)
    .tag('segment_id', a.segmentId)
    .stringField('id', a.id)
    .stringField('state', a.state)
    .intField('event_at_ms', lastEventAt(a))
    .stringField('alert', JSON.stringify({ ...a, acknowledgedAt: null, acknowledgedBy: null }));
  if (a.acknowledgedAt !== null) p.intField('acknowledged_at_ms', Date.parse(a.acknowledgedAt));
  if (a.acknowledgedAt !== null && a.acknowledgedBy !== null) p.stringField('acknowledged_by', a.acknowledgedBy);
  return p.timestamp(Date.parse(a.raisedAt));
}

function toAlerts(series: InfluxSeries[]): Alert[] {
  return rows(series).flatMap((row) => {
    if (typeof row['alert'] !== 'string') return []; // an acknowledgement without its alert (cannot happen through the port)
    const ackAt = typeof row['acknowledged_at_ms'] === 'number' ? row['acknowledged_at_ms'] : null;
    const ackBy = typeof row['acknowledged_by'] === 'string' ? row['acknowledged_by'] : null;
    return [withAcknowledgement(JSON.parse(row['alert']) as Alert, ackAt, ackBy)];
  });
}

function rows(series: InfluxSeries[]): Record<string, unknown>[] {
  return series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))));
}
