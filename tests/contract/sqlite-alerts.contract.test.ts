import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { alertStoreContract } from './alert-store-contract.ts';

// The alert part of the embedded store: a fresh SQLite file per test.
alertStoreContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadpulse-alerts-'));
  const store = new SqliteStore(join(dir, 'store.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
