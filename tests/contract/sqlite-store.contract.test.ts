import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { storeContract } from './store-contract.ts';

// The embedded store: a fresh SQLite file in its own temp dir per test.
storeContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadpulse-store-'));
  const store = new SqliteStore(join(dir, 'store.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
