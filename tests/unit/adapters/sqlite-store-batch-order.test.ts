import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../shared/adapters/sqlite-store.ts';
import { reading, T0 } from '../../contract/store-contract.ts';

// SqliteStore inserts a batch segment by segment and tallies sensors from per-detector deltas;
// what a sensor is named by must still follow the batch's own order where ts alone cannot decide.
describe('SqliteStore batch order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadpulse-batch-order-'));
  const store = new SqliteStore(join(dir, 'store.sqlite'));
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a sensor reports the same latest ts on two segments in one batch, then it is named by the one that came later', async () => {
    const at = T0 + 20_000;
    await store.writeReadings([
      reading({ sensorId: 's-tie', segmentId: 'seg-a', ts: T0 + 10_000 }),
      reading({ sensorId: 's-tie', segmentId: 'seg-b', ts: at }),
      reading({ sensorId: 's-tie', segmentId: 'seg-a', ts: at }),
      reading({ sensorId: 's-other', segmentId: 'seg-a', ts: at }),
      reading({ sensorId: 's-other', segmentId: 'seg-b', ts: at }),
    ]);

    const sensors = await store.sensors({ from: T0, to: T0 + 60_000 });

    expect(sensors.map((s) => [s.sensorId, s.segmentId, s.lastReadingAt, s.accepted])).toEqual([
      ['s-other', 'seg-b', at, 2],
      ['s-tie', 'seg-a', at, 3],
    ]);
  });
});
