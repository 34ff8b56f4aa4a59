import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../shared/adapters/sqlite-store.ts';
import { hostileIdsContract } from '../../contract/store-hostile-ids.ts';
import { makeDataDir } from '../../helpers/embedded.ts';

// SQLite binds every value as a parameter: any string is stored and read back exactly.
hostileIdsContract(
  'SqliteStore',
  async () => {
    const dir = makeDataDir('roadpulse-hostile-');
    const file = join(dir, 'store.sqlite');
    const store = new SqliteStore(file);
    const db = new Database(file, { readonly: true });
    return {
      store,
      async census() {
        const row = db.prepare('SELECT COUNT(*) AS points, (SELECT COUNT(*) FROM (SELECT DISTINCT sensor_id, segment_id, lane FROM readings)) AS series FROM readings').get() as {
          points: number;
          series: number;
        };
        return row;
      },
      async cleanup() {
        db.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  150,
);
