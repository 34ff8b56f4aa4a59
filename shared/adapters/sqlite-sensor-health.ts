import type Database from 'better-sqlite3';
import { sensorHealthSnapshotSchema, type SensorHealthSnapshot } from '../contract/sensor-health.ts';

/**
 * The embedded store's sensor health snapshots (part of SqliteStore): one row per sensor, a later
 * snapshot replacing an earlier one (by `at`), the snapshot kept as JSON.
 */
export class SqliteSensorHealth {
  private readonly upsert: Database.Statement;
  private readonly selectAll: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS sensor_health (
      sensor_id TEXT PRIMARY KEY, at INTEGER NOT NULL, snapshot TEXT NOT NULL) WITHOUT ROWID`);
    this.upsert = db.prepare(
      `INSERT INTO sensor_health VALUES (?, ?, ?) ON CONFLICT (sensor_id) DO UPDATE SET
         at = excluded.at, snapshot = excluded.snapshot WHERE excluded.at >= sensor_health.at`,
    );
    this.selectAll = db.prepare('SELECT snapshot FROM sensor_health');
  }

  write(snapshots: readonly SensorHealthSnapshot[]): void {
    this.db.transaction(() => {
      for (const s of snapshots) this.upsert.run(s.sensorId, s.at, JSON.stringify(s));
    })();
  }

  /** Rows this version cannot read (written by another one) are left out rather than failing the sensor view. */
  all(): SensorHealthSnapshot[] {
    const out: SensorHealthSnapshot[] = [];
    for (const row of this.selectAll.all() as { snapshot: string }[]) {
      const parsed = sensorHealthSnapshotSchema.safeParse(JSON.parse(row.snapshot));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }
}
