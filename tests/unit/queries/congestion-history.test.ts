import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../shared/adapters/sqlite-store.ts';
import { emptyCounts } from '../../../shared/contract/vehicle-classes.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { congestionHistory } from '../../../shared/queries/congestion-history.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../../shared/traffic/pcu.ts';

const MIN = 60_000;

describe('congestionHistory: sensors known per bucket', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when a sensor reported once, then it stays known for sensorKnownMs after its reading and not longer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-history-'));
    const store = new SqliteStore(join(dir, 'store.sqlite'));
    const network = loadRoadNetwork();
    const segment = network.segments[0]!;
    const T0 = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 60 * MIN;
    await store.writeReadings([
      { sensorId: 'once', segmentId: segment.id, ts: T0 + MIN, intervalS: 60, lane: 1, counts: { ...emptyCounts(), car: 3 }, speedKmh: 40, occupancy: null, seq: null },
    ]);
    const ctx = { store, network, weights: DEFAULT_PCU_WEIGHTS, sensorKnownMs: 10 * MIN };

    const records = await congestionHistory(ctx, segment, '5m', T0, T0 + 15 * MIN);

    // Buckets end at T0+5, +10, +15 min; the reading at T0+1 min is known until T0+11 min.
    expect(records.map((r) => [r.status, r.sensorsKnown])).toEqual([['ok', 1], ['no_data', 1], ['no_data', 0]]);
    // A silent bucket still tells when the segment last reported.
    expect(records[2]!.lastReadingAt).toBe(new Date(T0 + MIN).toISOString());
    await store.close();
  });
});
