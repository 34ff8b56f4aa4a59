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
