import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { startChild } from './embedded.ts';
import { getOk } from './http.ts';
import { waitFor } from './wait.ts';

/** (sensor@ts → rows) of the stored readings of this test's sensors. */
export function storedKeys(dataDir: string, prefix: string): Map<string, number> {
  const db = new Database(join(dataDir, 'store.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT sensor_id, ts, COUNT(*) AS n FROM readings WHERE sensor_id LIKE ? GROUP BY sensor_id, ts').all(`${prefix}-%`) as {
      sensor_id: string; ts: number; n: number;
    }[];
    return new Map(rows.map((r) => [`${r.sensor_id}@${r.ts}`, r.n]));
  } finally {
    db.close();
  }
}

/**
 * Restarts the embedded pipeline on `dataDir` (it stores from the bus what it had acknowledged but
 * not stored) and checks the promise of DESIGN §2 for a stream's ledger.
 */
export async function expectEveryAckedStoredOnce(dataDir: string, prefix: string, acked: Set<string>, sent: Set<string>): Promise<void> {
  // A restarted pipeline stores from the bus what it had acknowledged but not stored yet.
  const pipeline = await startChild({ dataDir });
  try {
    await waitFor(
      async () => {
        const stored = storedKeys(dataDir, prefix);
        return [...acked].every((k) => stored.has(k));
      },
      { timeoutMs: 60_000, what: 'every acknowledged reading stored' },
    );
    const stored = storedKeys(dataDir, prefix);
    // One assertion over the lists (an expect per reading would cost minutes at 100k readings).
    expect([...acked].filter((k) => stored.get(k) !== 1)).toEqual([]);
    // Nothing stored that was never sent, and nothing twice.
    expect([...stored].filter(([key, n]) => !sent.has(key) || n !== 1)).toEqual([]);
    // The sensors' accepted counts count each stored reading once, replays after the kills included.
    const { sensors } = await getOk<{ sensors: { sensorId: string; accepted: number }[] }>(`${pipeline.baseUrl}/api/v1/sensors`);
    const accepted = sensors.filter((x) => x.sensorId.startsWith(`${prefix}-`)).reduce((n, x) => n + x.accepted, 0);
    expect(accepted).toBe(stored.size);
  } finally {
    await pipeline.stop('SIGTERM');
  }
}

