import type Database from 'better-sqlite3';
import type { Alert } from '../contract/alert.ts';
import type { AlertQuery } from '../ports/store.ts';
import type { AlertTrack } from '../traffic/alert-rules.ts';
import { withAcknowledgement } from './alert-acknowledgement.ts';

interface AlertRow {
  alert: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

/**
 * Congestion alerts in the embedded store (composed into SqliteStore, same connection and file).
 * `alerts` keeps the alert service's JSON and, in columns of their own, the acknowledgement, which
 * an upsert of the service never clears. `event_at` is the later of raise and clear (recent lists).
 */
export class SqliteAlerts {
  private readonly upsert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly ack: Database.Statement;
  private readonly upsertTrack: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS alerts (
        id TEXT PRIMARY KEY, segment_id TEXT NOT NULL, state TEXT NOT NULL, raised_at INTEGER NOT NULL,
        event_at INTEGER NOT NULL, alert TEXT NOT NULL, acknowledged_at INTEGER, acknowledged_by TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, raised_at);
      CREATE INDEX IF NOT EXISTS alerts_by_event ON alerts (event_at);
      CREATE TABLE IF NOT EXISTS alert_tracks (segment_id TEXT PRIMARY KEY, track TEXT NOT NULL) WITHOUT ROWID;`);
    this.upsert = db.prepare(
      `INSERT INTO alerts VALUES (@id, @segmentId, @state, @raisedAt, @eventAt, @alert, @ackAt, @ackBy)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, event_at = excluded.event_at, alert = excluded.alert,
         acknowledged_by = CASE WHEN acknowledged_at IS NULL THEN excluded.acknowledged_by ELSE acknowledged_by END,
         acknowledged_at = COALESCE(acknowledged_at, excluded.acknowledged_at)`,
    );
    this.byId = db.prepare('SELECT alert, acknowledged_at, acknowledged_by FROM alerts WHERE id = ?');
    this.ack = db.prepare('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL');
    this.upsertTrack = db.prepare('INSERT OR REPLACE INTO alert_tracks VALUES (?, ?)');
  }

  write(alerts: Alert[]): void {
    this.db.transaction(() => {
      for (const a of alerts) {
        this.upsert.run({
          id: a.id,
          segmentId: a.segmentId,
          state: a.state,
          raisedAt: Date.parse(a.raisedAt),
          eventAt: Date.parse(a.clearedAt ?? a.raisedAt),
          alert: JSON.stringify(a),
          ackAt: a.acknowledgedAt === null ? null : Date.parse(a.acknowledgedAt),
          ackBy: a.acknowledgedBy,
        });
      }
    })();
  }

  get(id: string): Alert | null {
    const row = this.byId.get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  list(q: AlertQuery): Alert[] {
    const segment = q.segmentId === undefined ? '' : ' AND segment_id = @segmentId';
    const sql =
      q.state === 'active'
        ? `SELECT alert, acknowledged_at, acknowledged_by FROM alerts WHERE state = 'active'${segment} ORDER BY raised_at DESC, id LIMIT @limit`
        : `SELECT alert, acknowledged_at, acknowledged_by FROM alerts WHERE event_at >= @since${segment} ORDER BY event_at DESC, id LIMIT @limit`;
    const rows = this.db.prepare(sql).all({ since: q.since ?? 0, segmentId: q.segmentId, limit: q.limit }) as AlertRow[];
    return rows.map(toAlert);
  }

  acknowledge(id: string, by: string | null, at: number): Alert | null {
    this.ack.run(at, by, id);
    return this.get(id);
  }

  writeTracks(tracks: AlertTrack[]): void {
    this.db.transaction(() => {
      for (const t of tracks) this.upsertTrack.run(t.segmentId, JSON.stringify(t));
    })();
  }

  tracks(): AlertTrack[] {
    return (this.db.prepare('SELECT track FROM alert_tracks').all() as { track: string }[]).map((r) => JSON.parse(r.track) as AlertTrack);
  }
}

function toAlert(row: AlertRow): Alert {
  return withAcknowledgement(JSON.parse(row.alert) as Alert, row.acknowledged_at, row.acknowledged_by);
}
