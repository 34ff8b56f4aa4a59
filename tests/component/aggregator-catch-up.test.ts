import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { computeCongestion } from '../../shared/traffic/congestion.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../shared/traffic/pcu.ts';
import { startAggregator } from '../../services/aggregator/aggregator-service.ts';
import { waitFor } from '../helpers/wait.ts';

const MIN = 60_000;

describe('aggregator: windows that ended while it was down', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when the last stored 1m record is 5 minutes old, then on start the 5 missed windows are closed, stored and published, and no other window size is backfilled', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-catch-up-'));
    const log = createLogger({ level: 'silent' });
    const bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
    const store = new SqliteStore(join(dir, 'store.sqlite'));
    const network = loadRoadNetwork();
    const probe = network.segments[0]!;
    const T = Math.floor(Date.now() / MIN) * MIN; // "now", on a minute boundary
    const old = computeCongestion({ segment: probe, window: '1m', to: T - 5 * MIN, detectors: [], sensorsKnown: 0, weights: DEFAULT_PCU_WEIGHTS });
    await store.writeCongestion([old]);

    const aggregator = startAggregator({
      query: { store, network, weights: DEFAULT_PCU_WEIGHTS, sensorKnownMs: 24 * 3600_000 },
      bus,
      log,
      metrics: { congestionRecords: { inc: () => undefined } },
      graceMs: 0,
      now: () => T,
    });
    const ends = async () =>
      (await store.congestionHistory(probe.id, '1m', { from: T - 10 * MIN, to: T + 1 })).map((r) => (Date.parse(r.to) - T) / MIN);
    await waitFor(async () => (await ends()).length === 6, { what: 'five missed 1m windows closed' });
    await aggregator.stop();

    expect(await ends()).toEqual([-5, -4, -3, -2, -1, 0]);
    // Published too: 5 windows × every segment, and nothing for 5m/15m/1h (no earlier record there).
    const published = bus.read(TOPICS.congestion, 0, 10_000).map((m) => JSON.parse(m.value) as { window: string });
    expect(published).toHaveLength(5 * network.segments.length);
    expect(new Set(published.map((r) => r.window))).toEqual(new Set(['1m']));
    await bus.close();
    await store.close();
  });
});
