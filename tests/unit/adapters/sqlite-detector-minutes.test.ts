import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../shared/adapters/sqlite-store.ts';
import { reading, T0 } from '../../contract/store-contract.ts';

const MIN = 60_000;
let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('SqliteStore: a store file written before detector_minutes existed', () => {
  it('when it is opened, then the table is derived from its readings and activity and totals count them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-store-migration-'));
    const file = join(dir, 'store.sqlite');
    const first = new SqliteStore(file);
    await first.writeReadings([
      reading({ sensorId: 'a', segmentId: 'seg', ts: T0 + 10_000 }),
      reading({ sensorId: 'a', segmentId: 'seg', ts: T0 + 2 * MIN }),
      reading({ sensorId: 'b', segmentId: 'seg', ts: T0 + 3 * MIN }),
    ]);
    await first.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE detector_minutes'); // as an older version left it
    raw.close();

    const reopened = new SqliteStore(file);
    try {
      const range = { from: T0, to: T0 + 4 * MIN };
      expect((await reopened.segmentActivity(range, ['seg'])).get('seg')).toEqual({ sensors: 2, lastReadingAt: T0 + 3 * MIN });
      const totals = await reopened.detectorTotals(range, ['seg']);
      expect(totals.map((t) => [t.sensorId, t.seconds, t.counts.motorbike, t.lastTs]).sort()).toEqual([
        ['a', 120, 62, T0 + 2 * MIN],
        ['b', 60, 31, T0 + 3 * MIN],
      ]);
    } finally {
      await reopened.close();
    }
  });
});

describe('SqliteStore: a store file written before measurement stations existed', () => {
  it('when it is opened, then its readings belong to the default station, the per-minute totals are rebuilt with the station in their key, and new readings may name stations', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-store-stations-'));
    const file = join(dir, 'store.sqlite');
    const first = new SqliteStore(file);
    await first.writeReadings([reading({ sensorId: 'a', segmentId: 'seg', ts: T0 + 10_000 }), reading({ sensorId: 'a', segmentId: 'seg', ts: T0 + 2 * MIN })]);
    await first.close();
    // As an older version left the file: no station column in either table.
    const raw = new Database(file);
    raw.exec(`DROP TABLE detector_minutes; ALTER TABLE readings DROP COLUMN station_id;
      CREATE TABLE detector_minutes (segment_id TEXT NOT NULL, minute INTEGER NOT NULL, sensor_id TEXT NOT NULL, lane INTEGER NOT NULL,
        seconds INTEGER NOT NULL, count_motorbike INTEGER NOT NULL, count_car INTEGER NOT NULL, count_bus INTEGER NOT NULL,
        count_truck INTEGER NOT NULL, count_bicycle INTEGER NOT NULL, count_other INTEGER NOT NULL, speed_vehicles INTEGER NOT NULL,
        speed_hours REAL NOT NULL, occupancy_seconds INTEGER NOT NULL, occupancy_weighted REAL NOT NULL, last_ts INTEGER NOT NULL,
        PRIMARY KEY (segment_id, minute, sensor_id, lane)) WITHOUT ROWID;`);
    raw.close();

    const reopened = new SqliteStore(file);
    try {
      await reopened.writeReadings([reading({ sensorId: 'b', segmentId: 'seg', ts: T0 + 3 * MIN, stationId: 'st-2' })]);
      const range = { from: T0, to: T0 + 4 * MIN };
      expect((await reopened.readings(range, ['seg'])).map((r) => [r.sensorId, r.stationId])).toEqual([['a', null], ['a', null], ['b', 'st-2']]);
      const totals = await reopened.detectorTotals(range, ['seg']);
      expect(totals.map((t) => [t.stationId, t.sensorId, t.seconds, t.lastTs]).sort()).toEqual([
        [null, 'a', 120, T0 + 2 * MIN],
        ['st-2', 'b', 60, T0 + 3 * MIN],
      ]);
    } finally {
      await reopened.close();
    }
  });
});

describe('SqliteStore: a reading SQLite refuses for another reason than its key', () => {
  it('when INSERT OR IGNORE skips it (a NOT NULL column is null), then it is not counted in the detector totals either', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-store-refused-'));
    const store = new SqliteStore(join(dir, 'store.sqlite'));
    try {
      // Off-contract on purpose (ingest's schema never lets this through): intervalS missing.
      const broken = { ...reading({ sensorId: 'x', segmentId: 'seg', ts: T0 + 1_000 }), intervalS: null as unknown as number };
      await store.writeReadings([broken, reading({ sensorId: 'y', segmentId: 'seg', ts: T0 + 2_000 })]);
      const range = { from: T0, to: T0 + MIN };
      expect((await store.readings(range, ['seg'])).map((r) => r.sensorId)).toEqual(['y']);
      expect((await store.detectorTotals(range, ['seg'])).map((t) => t.sensorId)).toEqual(['y']);
    } finally {
      await store.close();
    }
  });
});
